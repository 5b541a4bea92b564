/**
 * The Mathpix circuit breaker shared by separate worker processes (built `dist/`) through Redis.
 * Each process talks to its own loopback Mathpix fake, so the calls each one makes are counted
 * apart. Both processes run the whole time: while each holds calls in flight, failures seen by the
 * first open the breaker, and the second, live and mid-job, makes no further call (its retries are
 * refused); after the open timeout exactly `CB_HALF_OPEN_MAX_CALLS` probes reach the fakes across
 * both processes (the probes are held in flight while every other call is refused); their
 * successes close it. Usage counts every call attempted, failed ones included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, mathpixFake } from '../fakes/mathpix-fake';
import type { FakeApi } from '../fakes/fake-server';
import { REDIS_URL, startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(240_000);

const WORKER_MAIN = path.resolve(__dirname, '../../apps/worker/dist/main.js');
const BREAKER_ENV = {
  MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID,
  MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY,
  CB_FAILURE_THRESHOLD: '2',
  CB_SUCCESS_THRESHOLD: '2',
  CB_HALF_OPEN_MAX_CALLS: '2',
  CB_TIMEOUT_SECONDS: '600',
  PROVIDER_MAX_RETRIES: '1',
  PROVIDER_TIMEOUT_SECONDS: '90',
};
const OPTIONS = JSON.stringify({ skip_stages: ['vision_parse', 'alignment', 'semantic_graph', 'regeneration', 'human_review'] });

/** A small image unique to each job, so no cache tier answers for Mathpix. */
async function uniqueImage(): Promise<Buffer> {
  const tag = randomUUID().replace(/-/g, '');
  const svg = `<svg width="400" height="160"><rect width="400" height="160" fill="white"/><text x="20" y="60" font-size="32" font-family="sans-serif">y = ${parseInt(tag.slice(0, 3), 16)}</text><line x1="20" y1="100" x2="${100 + parseInt(tag.slice(3, 5), 16)}" y2="140" stroke="black" stroke-width="3"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

let stack: Stack;
let redis: Redis;
const fakes: FakeApi[] = [];
const children: ChildProcess[] = [];
const childLog: string[] = [];

function startWorker(fake: FakeApi): ChildProcess {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: {
      PATH: process.env.PATH,
      REDIS_URL: stack.config.redis.url,
      REDIS_PREFIX: stack.config.redis.prefix,
      WORKER_METRICS_PORT: '0',
      PIPELINE_WORKERS: '2',
      PIPELINE_LOG_LEVEL: 'WARNING',
      MATHPIX_API_URL: fake.url,
      ...BREAKER_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c: Buffer) => childLog.push(c.toString('utf8')));
  children.push(child);
  return child;
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

async function submit(): Promise<string> {
  const res = await submitFile(stack.baseUrl, await uniqueImage(), { options: OPTIONS });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function finished(id: string): Promise<{ view: Record<string, any>; result: Record<string, any> }> {
  const view = await waitForJob(stack.baseUrl, id, 150_000);
  expect(view.status).toBe('completed');
  const result = (await (await fetch(`${stack.baseUrl}/v1/jobs/${id}/result`)).json()) as Record<string, any>;
  return { view, result };
}

async function breaker(): Promise<Record<string, any>> {
  const body = (await (await fetch(`${stack.baseUrl}/v1/admin/breakers`)).json()) as { breakers: Array<Record<string, any>> };
  return body.breakers.find((b) => b.name === 'mathpix')!;
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run "pnpm build" first (the test script does)`);
  fakes.push(await mathpixFake().start(), await mathpixFake().start());
  stack = await startStack({ worker: false, env: { ...BREAKER_ENV, MATHPIX_API_URL: fakes[0]!.url } });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const fake of fakes) fake.release();
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map(stopped));
  await Promise.all(fakes.map((f) => f.stop()));
  redis?.disconnect();
  await stack?.close();
});

describe('one circuit breaker for a fleet of worker processes', () => {
  it('opens in one process and keeps the other off the API; half-open admits exactly the probe limit fleet-wide; recovery closes it', async () => {
    const [fake1, fake2] = fakes as [FakeApi, FakeApi];

    // 1. Both processes up, each holding its two stage B slots in a Mathpix call (the fakes answer
    //    only when told): four jobs, two per process, all in flight at once.
    fake1.defaultFault = { kind: 'held' };
    fake2.defaultFault = { kind: 'held' };
    startWorker(fake1);
    startWorker(fake2);
    const first = await Promise.all([submit(), submit(), submit(), submit()]);
    await until(() => fake1.held === 2 && fake2.held === 2, 'both processes holding two Mathpix calls');

    // 2. Mathpix fails the first process: one call answers 503, its retry too. Two failures open
    //    the breaker; the other three calls are still in flight.
    fake1.defaultFault = { kind: 'status', status: 503 };
    fake1.release({ kind: 'status', status: 503 }, 1);
    await until(async () => (await breaker()).state === 'open', 'the breaker to open');
    expect(await breaker()).toMatchObject({ state: 'open', failure_count: 2 });
    expect(fake1.calls).toHaveLength(3); // two held, one retry
    expect(fake2.calls).toHaveLength(2);

    // 3. The second process never saw a failure of its own, yet when its calls now fail it makes
    //    no further call: the retries are refused by the breaker it shares. So is the first
    //    process's other job.
    fake2.release({ kind: 'status', status: 503 });
    fake1.release({ kind: 'status', status: 503 });
    const outcomes = await Promise.all(first.map(finished));
    expect(fake1.calls).toHaveLength(3);
    expect(fake2.calls).toHaveLength(2);
    for (const { result } of outcomes) expect(result.text.provider).toBe('local');
    const reasons = outcomes.map(({ result }) => String(result.text.fallback_reason));
    expect(reasons.filter((r) => /^mathpix: mathpix answered HTTP 503/.test(r))).toHaveLength(1);
    expect(reasons.filter((r) => /circuit breaker for mathpix is OPEN/.test(r))).toHaveLength(3);
    // Every call attempted is in its job's usage, though Mathpix's answer was not used.
    expect(outcomes.map(({ result }) => result.usage.calls.mathpix).sort()).toEqual([1, 1, 1, 2]);

    // A job taken now, by either process, makes no call at all.
    const next = await finished(await submit());
    expect(next.result.text.fallback_reason).toMatch(/circuit breaker for mathpix is OPEN/);
    expect(next.result.usage.calls).toEqual({});
    expect(fake1.calls.length + fake2.calls.length).toBe(5);

    // 4. The open timeout has passed (moved back in Redis rather than waited out). Both fakes
    //    hold every answer until released again, so probes stay in flight.
    fake1.defaultFault = { kind: 'held' };
    fake2.defaultFault = { kind: 'held' };
    const key = `${stack.config.redis.prefix}:breaker:mathpix`;
    await redis.hincrby(key, 'opened_at', -601_000); // the breaker runs on Redis's clock, not ours
    const before = fake1.calls.length + fake2.calls.length;
    const ids = await Promise.all([submit(), submit(), submit(), submit()]);

    // Two jobs get the two probe slots; the other two are refused while the probes are out.
    const done = new Map<string, Record<string, any>>();
    await until(async () => {
      for (const id of ids) {
        if (done.has(id)) continue;
        const view = (await (await fetch(`${stack.baseUrl}/v1/jobs/${id}`)).json()) as Record<string, any>;
        if (view.status === 'completed') done.set(id, view);
      }
      return done.size >= 2;
    }, 'the two refused jobs');
    expect(fake1.calls.length + fake2.calls.length - before).toBe(2);
    expect(fake1.held + fake2.held).toBe(2);
    expect(await breaker()).toMatchObject({ state: 'half_open', half_open_probes: 2 });
    for (const id of done.keys()) {
      const { result } = await finished(id);
      expect(result.text.provider).toBe('local');
      expect(result.text.fallback_reason).toMatch(/circuit breaker for mathpix is OPEN/);
    }

    // 5. The probes succeed: CB_SUCCESS_THRESHOLD (2) successes close the breaker for everyone.
    fake1.defaultFault = { kind: 'ok' };
    fake2.defaultFault = { kind: 'ok' };
    fake1.release();
    fake2.release();
    for (const id of ids.filter((i) => !done.has(i))) {
      const { result } = await finished(id);
      expect(result.text.provider).toBe('mathpix');
      expect(result.usage.calls).toEqual({ mathpix: 1 });
    }
    expect(await breaker()).toMatchObject({ state: 'closed', failure_count: 0 });
    const after = await finished(await submit());
    expect(after.result.text.provider).toBe('mathpix');
    expect(fake1.calls.length + fake2.calls.length - before).toBe(3);

    // No key material in anything the worker processes logged.
    expect(childLog.join('')).not.toContain(MATHPIX_FAKE_APP_KEY);
  });
});
