/**
 * Starting the pipeline's processes for a measurement (the built API, worker processes through
 * `worker-entry.mjs`) and learning when jobs end, from the same Redis pub/sub events the API's
 * long-polls listen to.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { BENCH_DIR, ROOT, freePort, sleep, startChild } from './common.mjs';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'awaiting_review']);

export function baseEnv(redisUrl, prefix, extra = {}) {
  return {
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    PIPELINE_LOG_LEVEL: 'ERROR',
    SERVER_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: '0',
    MAX_QUEUE_DEPTH: '1000000',
    // One benchmark client sends thousands of requests: the per-client limit stays on (its Redis
    // round trip is part of what is measured) but never refuses them.
    RATE_LIMIT_REQUESTS: '100000000',
    ...extra,
  };
}

/** The built API (`apps/api/dist/main.js`) on a free port; resolves once `/health` answers. */
export async function startApi(env) {
  const port = await freePort();
  const child = startChild(path.join(ROOT, 'apps/api/dist/main.js'), { env: { ...env, PORT: String(port) }, name: 'api' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`api exited: ${child.stderr()}`);
    const ok = await fetch(`${url}/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`api did not answer /health: ${child.stderr()}`);
    await sleep(100);
  }
  return { ...child, url, pid: child.child.pid };
}

/** A worker process (`worker-entry.mjs`) with the given spec; resolves once its workers run. */
export async function startWorker(env, spec = {}) {
  const child = startChild(path.join(BENCH_DIR, 'lib/worker-entry.mjs'), { args: [JSON.stringify(spec)], env, name: 'worker' });
  await child.ready;
  return { ...child, pid: child.child.pid };
}

/**
 * Resolves `wait(id)` when a job's event says it ended. Events that arrive before anyone waits
 * (a no-op job can finish before its 202 reaches the client) are kept.
 */
export async function jobEndings(redisUrl, channelPattern, parse) {
  const sub = new Redis(redisUrl);
  const ended = new Map();
  const waiting = new Map();
  sub.on('pmessage', (_pattern, channel, message) => {
    const ending = parse(channel, message);
    if (!ending) return;
    const resolve = waiting.get(ending.id);
    if (resolve) {
      waiting.delete(ending.id);
      resolve(ending.status);
    } else ended.set(ending.id, ending.status);
  });
  await sub.psubscribe(channelPattern);
  return {
    wait(id) {
      if (ended.has(id)) {
        const status = ended.get(id);
        ended.delete(id);
        return Promise.resolve(status);
      }
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    close: () => sub.quit().catch(() => undefined),
  };
}

/** Endings of pipeline jobs, from `<prefix>:events:<id>`. */
export function pipelineEndings(redisUrl, prefix) {
  const head = `${prefix}:events:`;
  return jobEndings(redisUrl, `${head}*`, (channel, message) => {
    const event = JSON.parse(message);
    return TERMINAL.has(event.status) ? { id: channel.slice(head.length), status: event.status } : undefined;
  });
}

/** `POST /v1/jobs` with the image as JSON base64; resolves with the job id. */
export async function submitJson(apiUrl, png, options) {
  const res = await fetch(`${apiUrl}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ image_base64: png.toString('base64'), ...(options ? { options } : {}) }),
  });
  const body = await res.json();
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
  return body.id;
}

/** Submits and waits for the end; throws unless it completed. */
export async function submitAndWait(apiUrl, endings, png, options) {
  const id = await submitJson(apiUrl, png, options);
  const status = await endings.wait(id);
  if (status !== 'completed') throw new Error(`job ${id} ended ${status}`);
  return id;
}
