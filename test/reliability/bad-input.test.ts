/**
 * Bad input against the built API process (`apps/api/dist/main.js`) with a worker beside it:
 * every request of the corpus (`support/bad-requests.ts`, 80-odd hostile or broken requests, and
 * the refused images of `support/hostile-images.ts`) gets its 4xx as application/problem+json
 * naming what was wrong; a slow upload that never finishes gets 408; nothing is enqueued for any
 * of them; the API logs no unhandled error, keeps its memory bounded and stays healthy, and valid
 * but unusual images (CMYK, 16-bit, animated WebP, trailing data) and a good job still complete.
 */
import { Redis } from 'ioredis';
import { BAD_REQUESTS, imageRequests, problemText, type BadRequest, type Target } from './support/bad-requests';
import { hostileImages, type HostileImages } from './support/hostile-images';
import { rawRequest } from './support/raw-http';
import { REDIS_URL, deletePrefix, pipelineEnv, rssMb, startApi, startWorker, stopAll, uniquePrefix, type Proc } from './support/processes';

/** The seed guide's memory limit for the API pod. */
const API_RSS_LIMIT_MB = 512;
const REQUEST_TIMEOUT_SECONDS = 5;

async function waitForJob(url: string, id: string): Promise<{ status: string; metadata: unknown }> {
  for (let i = 0; i < 12; i++) {
    const view = (await (await fetch(`${url}/v1/jobs/${id}?wait=10`)).json()) as { status: string; metadata: unknown };
    if (!['queued', 'running'].includes(view.status)) return view;
  }
  throw new Error(`job ${id} did not end`);
}

async function jobRecords(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:job:*`, 'COUNT', 1000);
      cursor = next;
      count += keys.filter((k) => /:job:[0-9a-f-]{36}$/.test(k)).length;
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
}

describe('the bad-input corpus against the API process', () => {
  const prefix = uniquePrefix('badinput');
  let api: Proc & { url: string };
  let target: Target;
  let images: HostileImages;
  let corpus: BadRequest[] = [];
  afterAll(async () => {
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  beforeAll(async () => {
    // Small limits, so "too large" is cheap to send; a short request timeout, so the slow upload ends.
    const env = pipelineEnv(REDIS_URL, prefix, { PIPELINE_WORKERS: '2', SERVER_MAX_REQUEST_SIZE_MB: '8', SERVER_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_SECONDS) });
    images = await hostileImages();
    api = await startApi(env);
    // Stage A is real (sharp decodes and normalises what the door let in); the rest are no-ops.
    await startWorker(env, { noop: ['B', 'C', 'D', 'E', 'F', 'G', 'H'] });
    target = { url: api.url, port: Number(new URL(api.url).port), images };
    corpus = [...BAD_REQUESTS, ...imageRequests(images)];
  });

  it('holds at least 40 distinct requests', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it('answers each with its 4xx as problem+json naming the problem', async () => {
    const wrong: string[] = [];
    for (const request of corpus) {
      const answer = await request.send(target).catch((err: Error) => ({ status: 0, headers: {} as Record<string, string>, body: `no answer: ${err.message}` }));
      let problem: Parameters<typeof problemText>[0] & { status?: number } = {};
      try {
        problem = JSON.parse(answer.body);
      } catch {
        // reported below
      }
      const ok =
        answer.status === request.status &&
        /^application\/problem\+json/.test(answer.headers['content-type'] ?? '') &&
        problem.status === request.status &&
        typeof problem.type === 'string' &&
        typeof problem.title === 'string' &&
        request.names.test(problemText(problem));
      if (!ok) wrong.push(`${request.name}: expected ${request.status} ${request.names}, got ${answer.status} ${answer.headers['content-type']} ${answer.body.slice(0, 300)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers a slow upload that never finishes with 408 after SERVER_REQUEST_TIMEOUT', async () => {
    for (const contentType of ['application/json', 'multipart/form-data; boundary=abc']) {
      const start = contentType.startsWith('multipart') ? '--abc\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n\x89PNG' : '{"image_base64":"iVBOR';
      const answer = await rawRequest(target.port, `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: 100000\r\n\r\n${start}`, { timeoutMs: 60_000 });
      expect([contentType, answer.status, answer.headers['content-type']]).toEqual([contentType, 408, expect.stringMatching(/^application\/problem\+json/)]);
      expect(JSON.parse(answer.body)).toMatchObject({ status: 408, detail: expect.stringContaining('SERVER_REQUEST_TIMEOUT') });
    }
  });

  it('enqueued nothing, logged no unhandled error, kept its memory bounded and stays ready', async () => {
    expect(await jobRecords(prefix)).toBe(0);
    expect(api.stdout()).not.toMatch(/unhandled error/);
    expect(api.alive()).toBe(true);
    const rss = rssMb(api.pid);
    expect(rss).toBeLessThan(API_RSS_LIMIT_MB);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    expect((await fetch(`${api.url}/ready`)).status).toBe(200);
    process.stdout.write(`bad input: ${corpus.length} requests refused as problem+json, API RSS ${rss.toFixed(0)} MB afterwards\n`);
  });

  it('still takes and completes valid but unusual images, and a good job, with unicode metadata echoed', async () => {
    const metadata = { 'title \u202e\u0007': 'caf\u00e9 \ud83d\udcd0 \u0000 \u2028 \u8bd5\u9898', nested: { list: [1, 'two', null, { deep: true }] } };
    const ids: Array<[string, string]> = [];
    for (const [name, bytes] of Object.entries(images.accepted)) {
      const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_base64: `data:image/png;base64,${bytes.toString('base64').replace(/(.{76})/g, '$1\n')}`, metadata }) });
      expect([name, res.status]).toEqual([name, 202]);
      ids.push([name, ((await res.json()) as { id: string }).id]);
    }
    for (const [name, id] of ids) {
      const view = await waitForJob(api.url, id);
      expect([name, view.status]).toEqual([name, 'completed']);
      expect(view.metadata).toEqual(metadata);
    }
    expect(api.stdout()).not.toMatch(/unhandled error/);
  });
});
