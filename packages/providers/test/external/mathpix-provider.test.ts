import { Redis } from 'ioredis';
import { CircuitOpenError, ProviderTimeoutError } from '@mpp/resilience';
import { createProviders, mapMathpixText, type ProviderSet } from '@mpp/providers';
import { createMetrics, type PipelineMetrics } from '@mpp/telemetry';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, mathpixFake } from '../../../../test/fakes/mathpix-fake';
import type { FakeApi } from '../../../../test/fakes/fake-server';
import { capturingLogger, deletePrefix, pngImage, providerConfig, REDIS_URL, signal } from './support';

const redis = new Redis(REDIS_URL);
let fake: FakeApi;
let image: Buffer;
const prefixes: string[] = [];
const sets: ProviderSet[] = [];
const logs: string[] = [];

beforeAll(async () => {
  fake = await mathpixFake().start();
  image = await pngImage();
});
afterEach(() => {
  fake.faults.length = 0;
  fake.defaultFault = { kind: 'ok' };
});
afterAll(async () => {
  await Promise.all(sets.map((s) => s.close()));
  await Promise.all(prefixes.map((p) => deletePrefix(redis, p)));
  await fake.stop();
  redis.disconnect();
  // No key material in any captured log line.
  expect(logs.join('\n')).not.toContain(MATHPIX_FAKE_APP_KEY);
});

/** One worker's provider set (its own Redis connection); `prefix` shares breakers between workers. */
function worker(env: Record<string, string> = {}, prefix?: string, metrics?: PipelineMetrics) {
  const config = providerConfig({ MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID, MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY, MATHPIX_API_URL: fake.url, ...(prefix ? { REDIS_PREFIX: prefix } : {}), ...env });
  prefixes.push(config.redis.prefix);
  const conn = new Redis(REDIS_URL);
  const { logger, lines } = capturingLogger();
  const set = createProviders(config, { redis: conn, logger, metrics });
  const close = set.close;
  set.close = async () => {
    logs.push(...lines);
    await close();
    conn.disconnect();
  };
  sets.push(set);
  const mathpix = set.providers.text[0]!;
  expect(mathpix.name).toBe('mathpix');
  return { set, mathpix, config, lines };
}

describe('Mathpix provider against a fake speaking v3/text', () => {
  it('sends the documented request and maps text, formulas, line boxes and usage into stage B', async () => {
    const { mathpix, set } = worker();
    expect(set.providers.text.map((p) => p.name)).toEqual(['mathpix', 'local']);
    const out = await mathpix.parse(image, { signal: signal() });
    const call = fake.calls.at(-1)!;
    expect(call.path).toBe('/v3/text');
    expect(call.headers).toMatchObject({ app_id: MATHPIX_FAKE_APP_ID, app_key: MATHPIX_FAKE_APP_KEY });
    expect(call.body).toMatchObject({ formats: ['text', 'latex_styled', 'data'], data_options: { include_latex: true, include_asciimath: true }, include_line_data: true });
    expect(String(call.body.src)).toMatch(/^data:image\/png;base64,/);
    expect(out.text).toContain('Solve $x^{2}-5 x+6=0$ for $x$.');
    expect(out.text).toContain('$$x=\\frac{5 \\pm 1}{2}$$');
    expect(out.lines).toHaveLength(2);
    expect(out.lines[0]).toMatchObject({ bbox: { x: 12, y: 20, w: 408, h: 38 }, type: 'mixed', confidence: 0.96 });
    expect(out.lines[1]).toMatchObject({ type: 'math', bbox: { x: 100, y: 90, w: 200, h: 60 } });
    expect(out.formulas.map((f) => [f.latex, f.display])).toEqual([
      ['x^{2}-5 x+6=0', false],
      ['x', false],
      ['x=\\frac{5 \\pm 1}{2}', true],
    ]);
    // Inline formulas of the prose line have no box (the line's box would be a whole line of
    // prose); the display formula alone on its line has that line's box.
    expect(out.formulas[0]!.bbox).toBeUndefined();
    expect(out.formulas[1]!.bbox).toBeUndefined();
    expect(out.formulas[2]!.bbox).toEqual({ x: 100, y: 90, w: 200, h: 60 });
    expect(call.body.include_word_data).toBeUndefined(); // Mathpix refuses it with include_line_data
    expect(out.confidence).toBe(0.97);
    expect(out.latex_styled).toContain('x^{2}-5 x+6=0');
    expect(out.usage).toEqual({ calls: { mathpix: 1 }, estimated_cost_usd: 0.004 });
  });

  it('retries the retryable HTTP-200 errors (sys_exception) and gives up at once on terminal ones', async () => {
    const { mathpix, set } = worker();
    fake.next({ kind: 'api_error', id: 'sys_exception' });
    let before = fake.calls.length;
    await expect(mathpix.parse(image, { signal: signal() })).resolves.toMatchObject({ confidence: 0.97 });
    expect(fake.calls.length - before).toBe(2);

    fake.next({ kind: 'api_error', id: 'http_max_requests' });
    before = fake.calls.length;
    await expect(mathpix.parse(image, { signal: signal() })).resolves.toMatchObject({ confidence: 0.97 });
    expect(fake.calls.length - before).toBe(2);

    fake.next({ kind: 'api_error', id: 'image_no_content' });
    before = fake.calls.length;
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ code: 'mathpix_image_no_content', retryable: false });
    expect(fake.calls.length - before).toBe(1);
    // Only sys_exception counted (and the success after it reset the count); a bad input or a
    // rate limit says nothing about Mathpix's health.
    expect(await set.breakers.read('mathpix')).toMatchObject({ state: 'closed', failure_count: 0 });
  });

  it('treats 401 as a configuration error: no retry, a clear message without the key, and the unauthorized flag', async () => {
    const { mathpix, set } = worker({ MATHPIX_APP_KEY: 'wrong-key-SECRET-000' });
    const before = fake.calls.length;
    const err = (await mathpix.parse(image, { signal: signal() }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('provider_unauthorized');
    expect(err.message).toBe('mathpix refused the credentials (HTTP 401); check MATHPIX_APP_ID and MATHPIX_APP_KEY');
    expect(err.message).not.toContain('wrong-key');
    expect(fake.calls.length - before).toBe(1);
    expect(await set.breakers.read('mathpix')).toMatchObject({ unauthorized: true, state: 'closed' });
  });

  it('turns a 429 into RateLimitedError carrying Retry-After, without retrying; a wait past the limit falls back instead', async () => {
    const { mathpix } = worker({ PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS: '30' });
    fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '3' } });
    const before = fake.calls.length;
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ name: 'RateLimitedError', retryAfterMs: 3000 });
    expect(fake.calls.length - before).toBe(1);
    fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '600' } });
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ name: 'ProviderError', code: 'rate_limited_long' });
  });

  it('times out a hanging call and classifies 5xx and malformed bodies as retryable outages', async () => {
    const { mathpix, set } = worker({ CB_FAILURE_THRESHOLD: '10' });
    fake.next({ kind: 'hang' }, 2);
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toBeInstanceOf(ProviderTimeoutError);
    fake.next({ kind: 'status', status: 503 }, 2);
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ code: 'provider_unavailable', status: 503 });
    fake.next({ kind: 'malformed' }, 2);
    await expect(mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ code: 'malformed_response' });
    expect((await set.breakers.read('mathpix')).failure_count).toBe(6);
  });
});

describe('Mathpix formula boxes', () => {
  const line = (text: string, cnt: Array<[number, number]>, type = 'text') => ({ type, cnt, text, included: true, confidence: 0.9 });
  const box = (x: number, y: number, w: number, h: number): Array<[number, number]> => [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];

  it('gives a formula its line box only when the line is nothing but that formula', () => {
    const out = mapMathpixText({
      text: 'Let \\( a=1 \\) and \\( b \\).\n\\( c^{2} \\)\n\\( p \\) \\( q \\)',
      line_data: [line('Let \\( a=1 \\) and \\( b \\).', box(10, 10, 400, 30)), line('\\( c^{2} \\)', box(10, 50, 60, 30)), line('\\( p \\) \\( q \\)', box(10, 90, 80, 30)), line('y=2x', box(10, 130, 90, 30), 'math')],
    });
    expect(out.formulas.map((f) => [f.latex, f.bbox ?? null])).toEqual([
      ['a=1', null],
      ['b', null],
      ['c^{2}', { x: 10, y: 50, w: 60, h: 30 }],
      ['p', null],
      ['q', null],
      ['y=2x', { x: 10, y: 130, w: 90, h: 30 }],
    ]);
  });

  it('takes an inline formula\'s box from word_data when the answer has it', () => {
    const out = mapMathpixText({
      text: 'Perform \\( \\frac{2 p-2}{p} \\) and \\( x \\)',
      word_data: [
        { type: 'text', cnt: box(3, 74, 108, 30), text: 'Perform', latex: '\\text { Perform }' },
        { type: 'math', cnt: box(132, 110, 190, 81), text: '\\( \\frac{2 p-2}{p} \\)', latex: '\\frac{2 p-2}{p}' },
        { type: 'math', cnt: box(400, 120, 20, 30), text: '\\( x \\)' },
      ],
    });
    expect(out.formulas).toEqual([
      expect.objectContaining({ latex: '\\frac{2 p-2}{p}', bbox: { x: 132, y: 110, w: 190, h: 81 } }),
      expect.objectContaining({ latex: 'x', bbox: { x: 400, y: 120, w: 20, h: 30 } }),
    ]);
  });
});

describe('fleet-wide breaker across two workers sharing a prefix', () => {
  it('opens for both when one sees the failures; half-open lets exactly CB_HALF_OPEN_MAX_CALLS probes through; recovery closes it', async () => {
    const env = { CB_FAILURE_THRESHOLD: '2', CB_SUCCESS_THRESHOLD: '2', CB_TIMEOUT_SECONDS: '0.4', CB_HALF_OPEN_MAX_CALLS: '1', PROVIDER_MAX_RETRIES: '0' };
    const metrics = createMetrics({ schemaVersion: 'test', defaultMetrics: false });
    const one = worker(env, undefined, metrics);
    const two = worker(env, one.config.redis.prefix);
    fake.next({ kind: 'status', status: 500 }, 2);
    for (let i = 0; i < 2; i++) await expect(one.mathpix.parse(image, { signal: signal() })).rejects.toMatchObject({ code: 'provider_unavailable' });

    const exposition = await metrics.registry.metrics();
    expect(exposition).toContain('mathpix_circuit_breaker_state{service="mathpix"} 2');
    expect(exposition).toContain('mathpix_api_calls_total{service="mathpix",status="provider_unavailable"} 2');
    expect(exposition).toMatch(/mathpix_api_latency_seconds_count\{service="mathpix"\} 2/);

    // Worker two never saw a failure, yet makes no call: the breaker is open fleet-wide.
    const before = fake.calls.length;
    const open = await two.mathpix.parse(image, { signal: signal() }).catch((e: unknown) => e);
    expect(open).toBeInstanceOf(CircuitOpenError);
    expect((open as CircuitOpenError).retry_after).toBeGreaterThan(0);
    expect(fake.calls.length).toBe(before);
    expect(await two.set.breakers.read('mathpix')).toMatchObject({ state: 'open', failure_count: 2 });

    // Wait until the breaker admits probes (polled through the store, not the wall clock).
    while ((await two.set.breakers.read('mathpix')).retry_after > 0) await new Promise((r) => setTimeout(r, 50));
    fake.next({ kind: 'slow', ms: 150 }, 4);
    const outcomes = await Promise.allSettled([one, two, one, two].map((w) => w.mathpix.parse(image, { signal: signal() })));
    expect(fake.calls.length - before).toBe(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => (o as PromiseRejectedResult).reason instanceof CircuitOpenError)).toBe(true);
    expect((await one.set.breakers.read('mathpix')).state).toBe('half_open');

    // The second successful probe reaches the success threshold: closed for both.
    await expect(two.mathpix.parse(image, { signal: signal() })).resolves.toBeDefined();
    expect(await one.set.breakers.read('mathpix')).toMatchObject({ state: 'closed', failure_count: 0 });
    expect(await metrics.registry.metrics()).toContain('mathpix_circuit_breaker_state{service="mathpix"} 0');
    fake.faults.length = 0;
    await expect(Promise.all([one.mathpix.parse(image, { signal: signal() }), two.mathpix.parse(image, { signal: signal() })])).resolves.toHaveLength(2);
  });
});
