/**
 * Redis restart: the API and two worker processes on a Redis of the test's own (`appendonly yes`,
 * fsync always). Mid-run, Redis is stopped (SIGTERM, as in a rolling restart), requests arrive
 * while it is down, and it comes back on the same port from its append-only file. Nobody restarts
 * the API or the workers: they reconnect on their own, every job (those in flight at the restart
 * and those submitted while Redis was down) completes, and none completes twice. While Redis is
 * down the API's /ready answers 503 naming it and /metrics shows `mathpix_redis_up 0` at once.
 */
import { Redis } from 'ioredis';
import { EndingTracker, smallPng, submit } from './support/jobs';
import { OwnRedis, freePort, pipelineEnv, sleep, startApi, startWorker, stopAll, uniquePrefix, until } from './support/processes';

const BEFORE = 60;
const DURING = 20;

async function statuses(apiUrl: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 40) {
    const views = await Promise.all(ids.slice(i, i + 40).map(async (id) => (await (await fetch(`${apiUrl}/v1/jobs/${id}`)).json()) as { id: string; status: string }));
    for (const v of views) out.set(v.id, v.status);
  }
  return out;
}

describe('Redis restarts mid-run', () => {
  let own: OwnRedis;
  afterAll(async () => {
    await EndingTracker.closeAll();
    await stopAll();
    await own?.remove();
  });

  it('API and workers reconnect without intervention; every job completes once', async () => {
    own = new OwnRedis(await freePort());
    await own.start();
    const prefix = uniquePrefix('redis');
    const env = pipelineEnv(own.url, prefix, { PIPELINE_WORKERS: '4' });
    const api = await startApi(env);
    const workers = [await startWorker(env, { noop: 'all' }), await startWorker(env, { noop: 'all' })];
    const tracker = await EndingTracker.start(own.url, prefix);

    const ids = await Promise.all(Array.from({ length: BEFORE }, (_, i) => submit(api.url, smallPng(90_000 + i))));
    await until('a first share of jobs done', () => tracker.completedCount(ids) >= 5, 60_000, 10);
    const doneAtStop = tracker.completedCount(ids);

    await own.stop();
    // Requests that arrive while Redis is down wait a moment for it, then get 503 and Retry-After;
    // the client retries, and every one of them is accepted once Redis is back.
    const during = Promise.all(Array.from({ length: DURING }, (_, i) => submit(api.url, smallPng(95_000 + i))));
    // The probes answer at once meanwhile (no command waits for Redis): /ready 503 naming it,
    // /metrics served with mathpix_redis_up 0.
    const probe = (path: string) => fetch(`${api.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    let ready: { status: number; body: unknown } = { status: 0, body: null };
    await until('/ready reporting Redis down', async () => {
      const res = await probe('/ready');
      ready = { status: res.status, body: await res.json() };
      return res.status !== 200;
    }, 10_000, 100);
    expect(ready).toEqual({ status: 503, body: { status: 'not_ready', checks: expect.objectContaining({ redis: 'unreachable' }) } });
    expect(await (await probe('/metrics')).text()).toMatch(/^mathpix_redis_up 0$/m);
    await sleep(3_000);
    await own.start();
    ids.push(...(await during));

    let last = new Map<string, string>();
    await until(
      'every job completed after the restart',
      async () => {
        last = await statuses(api.url, ids);
        return [...last.values()].every((s) => s === 'completed' || s === 'failed');
      },
      180_000,
      1_000,
    );
    await sleep(3_000);

    expect(doneAtStop).toBeLessThan(BEFORE);
    expect([...last].filter(([, s]) => s !== 'completed')).toEqual([]);
    expect(workers.every((w) => w.alive()) && api.alive()).toBe(true);
    expect([...tracker.completedEvents].filter(([, n]) => n > 1)).toEqual([]);
    const redis = new Redis(own.url);
    const totals = await redis.hgetall(`${prefix}:stats:processed`);
    redis.disconnect();
    expect(Number(totals.success)).toBe(BEFORE + DURING);
    expect(Number(totals.failure ?? 0)).toBe(0);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    expect(await (await fetch(`${api.url}/metrics`)).text()).toMatch(/^mathpix_redis_up 1$/m);
    process.stdout.write(`redis restart: ${BEFORE} jobs submitted before (${doneAtStop} done at the stop), ${DURING} while Redis was down; all ${BEFORE + DURING} completed once, no process restarted\n`);
  });
});
