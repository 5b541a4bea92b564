/**
 * External providers through the whole stack: API and two workers in-process on one prefix,
 * Mathpix replaced by a loopback fake speaking `v3/text`. Mathpix down means jobs still complete
 * with the local provider and a fallback_reason, and the breaker opened by one worker keeps every
 * worker off the API; a 429 pauses stage B's queue and the job completes without a failed attempt;
 * a wrong key shows in /ready; no key material reaches any log line.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { createLogger } from '@mpp/telemetry';
import { createApiApp, type ApiApp } from '../../apps/api/src/app';
import { createWorkerApp, type WorkerApp } from '../../apps/worker/src/app';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, mathpixFake } from '../fakes/mathpix-fake';
import { ANTHROPIC_FAKE_KEY, anthropicFake } from '../fakes/anthropic-fake';
import { GEMINI_FAKE_KEY, geminiFake } from '../fakes/gemini-fake';
import type { FakeApi } from '../fakes/fake-server';
import { deletePrefix, submitFile, testConfig, waitForJob } from '../support/stack';

jest.setTimeout(120_000);

const logLines: string[] = [];
const capture = (name: string) =>
  createLogger({
    level: 'debug',
    name,
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    }),
  });

/** A small image unique to each job, so no cache tier answers for Mathpix. */
async function uniqueImage(): Promise<Buffer> {
  const tag = randomUUID().slice(0, 8);
  const svg = `<svg width="400" height="160"><rect width="400" height="160" fill="white"/><text x="20" y="60" font-size="32" font-family="sans-serif">x + ${tag.length} = 9</text><line x1="20" y1="100" x2="${100 + parseInt(tag.slice(0, 2), 16)}" y2="140" stroke="black" stroke-width="3"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const OPTIONS = JSON.stringify({ skip_stages: ['vision_parse', 'alignment', 'semantic_graph', 'regeneration', 'human_review'] });

interface Harness {
  api: ApiApp;
  server: http.Server;
  baseUrl: string;
  workers: WorkerApp[];
  prefix: string;
  close(): Promise<void>;
}

async function harness(fake: FakeApi, env: Record<string, string>, workerCount: number): Promise<Harness> {
  const config = testConfig({
    MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID,
    MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY,
    MATHPIX_API_URL: fake.url,
    PROVIDER_TIMEOUT_SECONDS: '2',
    PROVIDER_MAX_RETRIES: '1',
    PIPELINE_LOG_LEVEL: 'DEBUG',
    ...env,
  });
  const api = createApiApp({ config, logger: capture('api') });
  const server = await api.listen(0, '127.0.0.1');
  const workers: WorkerApp[] = [];
  for (let i = 0; i < workerCount; i++) workers.push(await createWorkerApp({ config, logger: capture(`worker-${i}`), healthServer: false }));
  return {
    api,
    server,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    workers,
    prefix: config.redis.prefix,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await api.close();
      await deletePrefix(config.redis.prefix);
    },
  };
}

async function runJob(h: Harness, options = OPTIONS): Promise<{ view: Record<string, any>; result: Record<string, any> }> {
  const res = await submitFile(h.baseUrl, await uniqueImage(), { options });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const view = await waitForJob(h.baseUrl, id);
  expect(view.status).toBe('completed');
  const result = (await (await fetch(`${h.baseUrl}/v1/jobs/${id}/result`)).json()) as Record<string, any>;
  return { view, result };
}

const ready = async (h: Harness) => ((await (await fetch(`${h.baseUrl}/ready`)).json()) as { checks: Record<string, string> }).checks;

describe('external providers through the stack', () => {
  let fake: FakeApi;
  beforeAll(async () => {
    fake = await mathpixFake().start();
  });
  afterEach(() => {
    fake.faults.length = 0;
    fake.defaultFault = { kind: 'ok' };
  });
  afterAll(async () => {
    await fake.stop();
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain(MATHPIX_FAKE_APP_KEY);
    expect(all).not.toContain('wrong-key-SECRET');
    expect(all).not.toContain(ANTHROPIC_FAKE_KEY);
    expect(all).not.toContain(GEMINI_FAKE_KEY);
  });

  it('stage C: Claude overloaded falls back to Gemini; usage sums calls, tokens and cost across B and C', async () => {
    const claude = await anthropicFake().start();
    const gemini = await geminiFake().start();
    const h = await harness(fake, { ANTHROPIC_API_KEY: ANTHROPIC_FAKE_KEY, ANTHROPIC_BASE_URL: claude.url, GEMINI_API_KEY: GEMINI_FAKE_KEY, GEMINI_BASE_URL: gemini.url }, 1);
    try {
      claude.next({ kind: 'status', status: 529 }, 2);
      const { view, result } = await runJob(h, JSON.stringify({ skip_stages: ['alignment', 'semantic_graph', 'regeneration', 'human_review'] }));
      expect(view.stages.C).toMatchObject({ status: 'completed', provider: 'gemini', attempts: 1 });
      expect(result.vision.fallback_reason).toBe('anthropic: anthropic answered HTTP 529');
      expect(result.vision.diagram_type).toBe('geometry');
      expect(result.vision.elements).toHaveLength(5);
      expect(claude.calls).toHaveLength(2);
      // Every call attempted is counted, the two Claude refused included (they cost no tokens).
      expect(result.usage).toEqual({
        calls: { mathpix: 1, anthropic: 2, gemini: 1 },
        input_tokens: 1290,
        output_tokens: 380,
        estimated_cost_usd: Math.round((0.004 + (1290 * 0.3 + 380 * 2.5) / 1e6) * 1e6) / 1e6,
      });
    } finally {
      await h.close();
      await Promise.all([claude.stop(), gemini.stop()]);
    }
  });

  it('uses Mathpix when it answers, and records provider and usage in the result', async () => {
    const h = await harness(fake, {}, 1);
    try {
      expect((await ready(h)).mathpix_api).toBe('connected');
      const { view, result } = await runJob(h);
      expect(view.stages.B).toMatchObject({ status: 'completed', provider: 'mathpix', attempts: 1 });
      expect(result.text.provider).toBe('mathpix');
      expect(result.text.text).toContain('$x^{2}-5 x+6=0$');
      expect(result.usage).toMatchObject({ calls: { mathpix: 1 }, estimated_cost_usd: 0.004 });
    } finally {
      await h.close();
    }
  });

  it('Mathpix down: jobs complete with the local provider; the breaker one worker opens keeps both off the API until reset', async () => {
    const h = await harness(fake, { CB_FAILURE_THRESHOLD: '2', CB_TIMEOUT_SECONDS: '600' }, 2);
    try {
      fake.defaultFault = { kind: 'status', status: 503 };
      const first = await runJob(h);
      expect(first.result.text.provider).toBe('local');
      expect(first.result.text.fallback_reason).toMatch(/^mathpix: mathpix answered HTTP 503/);
      expect(first.view.stages.B.attempts).toBe(1);
      expect(first.result.usage.calls).toEqual({ mathpix: 2 });
      const admin = (await (await fetch(`${h.baseUrl}/v1/admin/breakers`)).json()) as { breakers: Array<Record<string, unknown>> };
      expect(admin.breakers.find((b) => b.name === 'mathpix')).toMatchObject({ state: 'open', failure_count: 2, configured: true });
      expect(admin.breakers.find((b) => b.name === 'anthropic')).toMatchObject({ state: 'closed', configured: false });
      expect((await ready(h)).mathpix_api).toBe('circuit_open');
      expect(await (await fetch(`${h.baseUrl}/metrics`)).text()).toContain('mathpix_circuit_breaker_state{service="mathpix"} 2');

      // Whichever worker takes them, no call reaches Mathpix while the breaker is open.
      const calls = fake.calls.length;
      const more = await Promise.all([runJob(h), runJob(h), runJob(h)]);
      expect(fake.calls.length).toBe(calls);
      for (const m of more) expect(m.result.text.fallback_reason).toMatch(/circuit breaker for mathpix is OPEN/);

      const reset = await fetch(`${h.baseUrl}/v1/admin/breakers/mathpix/reset`, { method: 'POST' });
      expect(reset.status).toBe(200);
      expect(await reset.json()).toMatchObject({ name: 'mathpix', state: 'closed', previous_state: 'open' });
      expect((await fetch(`${h.baseUrl}/v1/admin/breakers/nope/reset`, { method: 'POST' })).status).toBe(404);
      fake.defaultFault = { kind: 'ok' };
      expect((await runJob(h)).result.text.provider).toBe('mathpix');
    } finally {
      await h.close();
    }
  });

  it('429 pauses stage B for Retry-After; the job view says so; the job then completes through Mathpix without a failed attempt', async () => {
    const h = await harness(fake, {}, 1);
    try {
      fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      const before = fake.calls.length;
      const res = await submitFile(h.baseUrl, await uniqueImage(), { options: OPTIONS });
      const { id } = (await res.json()) as { id: string };
      // While the queue is paused the stage is queued again, with the reason and the resume time.
      let paused: Record<string, any> | undefined;
      for (let i = 0; i < 600 && !paused; i++) {
        const v = (await (await fetch(`${h.baseUrl}/v1/jobs/${id}`)).json()) as Record<string, any>;
        if (v.stages.B.waiting) paused = v;
        else if (v.status === 'completed' || v.status === 'failed') break;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(paused?.stages.B).toMatchObject({ status: 'queued', attempts: 0, error: null, waiting: { reason: 'rate_limited', provider: 'mathpix', message: 'mathpix is rate limiting us; retry after 2 s' } });
      expect(Date.parse(paused!.stages.B.waiting.until)).toBeGreaterThan(Date.parse(paused!.stages.B.started_at));
      const view = await waitForJob(h.baseUrl, id);
      expect(view.status).toBe('completed');
      const result = (await (await fetch(`${h.baseUrl}/v1/jobs/${id}/result`)).json()) as Record<string, any>;
      expect(fake.calls.length - before).toBe(2);
      // A lower bound only (it cannot fail on a slow machine): the second call waited out Retry-After.
      expect(fake.calls.at(-1)!.at - fake.calls.at(-2)!.at).toBeGreaterThanOrEqual(1900);
      expect(view.stages.B).toMatchObject({ status: 'completed', provider: 'mathpix', attempts: 1, error: null });
      expect(view.stages.B.waiting).toBeUndefined();
      expect(result.text.fallback_reason).toBeUndefined();
      // The rate-limited call is counted in the usage, as the one that answered.
      expect(result.usage.calls).toEqual({ mathpix: 2 });
      expect(logLines.some((l) => l.includes('rate limited: pausing the stage queue'))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a Mathpix that keeps answering 429 delays the job only up to the wait budget, then it falls back to local', async () => {
    // Each 429 asks for 1 s; the budget is 2.5 s, so the stage pauses twice, then gives up on Mathpix.
    const h = await harness(fake, { PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS: '2.5' }, 1);
    try {
      fake.defaultFault = { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
      const before = fake.calls.length;
      const { view, result } = await runJob(h);
      expect(fake.calls.length - before).toBe(3);
      expect(view.stages.B).toMatchObject({ status: 'completed', provider: 'local', attempts: 1, error: null, rate_limited_ms: 2000 });
      expect(result.text.provider).toBe('local');
      expect(result.text.fallback_reason).toMatch(/^mathpix: .*retry after 1 s.*rate-limit budget/);
      expect(logLines.some((l) => l.includes('provider still rate limited past the wait budget'))).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('the breaker admin routes need one of API_KEYS when it is set', async () => {
    const h = await harness(fake, { API_KEYS: 'admin-key-1' }, 0);
    try {
      expect((await fetch(`${h.baseUrl}/v1/admin/breakers`)).status).toBe(401);
      expect((await fetch(`${h.baseUrl}/v1/admin/breakers/mathpix/reset`, { method: 'POST' })).status).toBe(401);
      const ok = await fetch(`${h.baseUrl}/v1/admin/breakers`, { headers: { 'x-api-key': 'admin-key-1' } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { breakers: unknown[] }).breakers).toHaveLength(3);
    } finally {
      await h.close();
    }
  });

  it('a wrong key falls back to local with a clear reason, and /ready shows unauthorized', async () => {
    const h = await harness(fake, { MATHPIX_APP_KEY: 'wrong-key-SECRET-123' }, 1);
    try {
      const { result } = await runJob(h);
      expect(result.text.provider).toBe('local');
      expect(result.text.fallback_reason).toBe('mathpix: mathpix refused the credentials (HTTP 401); check MATHPIX_APP_ID and MATHPIX_APP_KEY');
      expect(result.usage.calls).toEqual({ mathpix: 1 });
      expect((await ready(h)).mathpix_api).toBe('unauthorized');
    } finally {
      await h.close();
    }
  });
});
