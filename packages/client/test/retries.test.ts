/**
 * The client's retries against a loopback server that answers what each test scripts: 429 and
 * 503 are sent again after the `Retry-After` the server asked for (seconds or an HTTP date, capped
 * by `maxRetryDelayMs`), a POST only when it carries an idempotency key, and what is left after
 * the last attempt is a typed error carrying the problem document.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkError, parseRetryAfter, PipelineClient, RateLimitError, ServerError, ValidationError } from '../src';

interface Seen {
  method: string;
  url: string;
  idempotencyKey: string | undefined;
  at: number;
}

type Scripted = { status: number; headers?: Record<string, string>; body?: unknown };

let server: http.Server;
let baseUrl: string;
let script: Scripted[] = [];
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', idempotencyKey: req.headers['idempotency-key'] as string | undefined, at: Date.now() });
      const next = script.shift() ?? { status: 500, body: { type: 'about:blank', title: 'script ran out', status: 500 } };
      const text = typeof next.body === 'string' ? next.body : JSON.stringify(next.body ?? {});
      const type = typeof next.body === 'string' ? 'text/plain' : next.status >= 400 ? 'application/problem+json' : 'application/json';
      res.writeHead(next.status, { 'content-type': type, ...next.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  script = [];
  seen.length = 0;
});

const problem = (status: number, title: string) => ({ type: `https://mathpix-pipeline.dev/problems/${title.toLowerCase().replace(/ /g, '-')}`, title, status, detail: `${title} (scripted)` });
const JOB = { id: 'job-1', status: 'queued', created_at: '2026-01-01T00:00:00.000Z', links: { self: '/v1/jobs/job-1' } };

describe('retries', () => {
  it('sends a GET again after a 429, waiting the seconds Retry-After asked for', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' }, body: problem(429, 'Too many requests') }, { status: 200, body: JOB }];
    const client = new PipelineClient({ baseUrl });
    expect(await client.get('job-1')).toEqual(JOB);
    expect(seen.map((s) => s.url)).toEqual(['/v1/jobs/job-1', '/v1/jobs/job-1']);
    // The second attempt did not come before the server's Retry-After (timers never fire early).
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('reads Retry-After as an HTTP date too, and caps it at maxRetryDelayMs', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    script = [{ status: 503, headers: { 'retry-after': inAnHour }, body: problem(503, 'Queue full') }, { status: 200, body: JOB }];
    const client = new PipelineClient({ baseUrl, maxRetryDelayMs: 50 });
    expect(await client.get('job-1')).toEqual(JOB);
    expect(seen).toHaveLength(2);
  });

  it('retries a submission with the same idempotency key it generated', async () => {
    script = [{ status: 503, headers: { 'retry-after': '0' }, body: problem(503, 'Queue full') }, { status: 202, body: JOB }];
    const client = new PipelineClient({ baseUrl });
    expect(await client.submit(new Uint8Array([1, 2, 3]))).toEqual(JOB);
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST']);
    expect(seen[0]!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.idempotencyKey).toBe(seen[0]!.idempotencyKey);
  });

  it('never sends a submission without an idempotency key twice', async () => {
    script = [{ status: 503, headers: { 'retry-after': '0' }, body: problem(503, 'Queue full') }];
    const client = new PipelineClient({ baseUrl });
    const err = await client.submit(new Uint8Array([1, 2, 3]), { idempotencyKey: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 0, problem: { title: 'Queue full' } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.idempotencyKey).toBeUndefined();
  });

  it('gives up after maxRetries with a RateLimitError carrying the problem and Retry-After', async () => {
    script = Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '0' }, body: problem(429, 'Too many requests') }));
    const client = new PipelineClient({ baseUrl, maxRetries: 2 });
    const err = await client.get('job-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ name: 'RateLimitError', status: 429, code: 'too-many-requests', retryAfterSeconds: 0, problem: { detail: 'Too many requests (scripted)' } });
    expect(seen).toHaveLength(3);
  });

  it('does not retry other client errors, and makes a problem of a body that is not one', async () => {
    script = [{ status: 400, body: 'plain words from a proxy' }];
    const err = await new PipelineClient({ baseUrl }).get('job-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ status: 400, problem: { type: 'about:blank', status: 400, detail: 'plain words from a proxy' } });
    expect(seen).toHaveLength(1);
  });

  it('turns a connection that is refused into a NetworkError naming the URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await new PipelineClient({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 }).health().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toBe(`GET http://127.0.0.1:${port}/health failed: fetch failed (ECONNREFUSED)`);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores what is neither', () => {
    expect(parseRetryAfter('30')).toBe(30);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() - 5_000).toUTCString())).toBe(0);
    expect(parseRetryAfter(new Date(Date.now() + 120_000).toUTCString())).toBeGreaterThan(100);
  });
});
