/**
 * Every attempt a `ResilientCaller` makes is a CLIENT span in its caller's trace: provider, retry
 * attempt, breaker state, outcome and HTTP status, and nothing secret.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BreakerStore, CircuitOpenError, ProviderError, ResilientCaller } from '@mpp/resilience';
import { annotateActiveSpan, initTracing, InMemorySpanExporter, SpanKind, SpanStatusCode, withSpan, type ReadableSpan, type Tracing } from '@mpp/telemetry';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-caller-tracing-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url);
const store = new BreakerStore(redis, prefix, { failureThreshold: 2, successThreshold: 1, timeoutMs: 60_000, halfOpenMaxCalls: 1, probeLeaseMs: 5_000 });
const fast = { timeoutMs: 2_000, maxRetries: 2, concurrency: 1, retryInitialDelayMs: 5, retryMaxDelayMs: 20 };
const signal = () => new AbortController().signal;
const SECRET = 'sk-secret-never-in-a-span-123';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = initTracing({ serviceName: 'resilience-test', exporter });
});
afterAll(async () => {
  await tracing.shutdown();
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

const callSpans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === `call ${name}`);
const spanNamed = (name: string): ReadableSpan => exporter.getFinishedSpans().find((s) => s.name === name)!;

describe('a span per provider call', () => {
  it('traces each attempt under the caller span with its retry attempt, breaker state, outcome and status', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, fast);
    let n = 0;
    await withSpan('stage B', {}, () =>
      caller.call(async () => {
        if (++n === 1) throw new ProviderError(name, 'provider_unavailable', 'HTTP 503', { retryable: true, countsAsFailure: true, status: 503 });
        annotateActiveSpan({ 'http.response.status_code': 200 });
        return 'ok';
      }, signal()),
    );
    const stage = spanNamed('stage B');
    const spans = callSpans(name);
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(s.parentSpanContext?.spanId).toBe(stage.spanContext().spanId);
      expect(s.spanContext().traceId).toBe(stage.spanContext().traceId);
    }
    expect(spans[0]!.attributes).toMatchObject({ 'peer.service': name, 'mpp.retry_attempt': 0, 'mpp.breaker_state': 'closed', 'mpp.outcome': 'provider_unavailable', 'http.response.status_code': 503 });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[1]!.attributes).toMatchObject({ 'mpp.retry_attempt': 1, 'mpp.outcome': 'success', 'http.response.status_code': 200, 'mpp.breaker_state_after': 'closed' });
    expect(spans[1]!.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a call that waited in the bulkhead behind another job is traced in its own job, not the other', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, fast);
    const slow = () => new Promise<number>((r) => setTimeout(() => r(1), 20));
    await Promise.all([withSpan('job one', {}, () => caller.call(slow, signal())), withSpan('job two', {}, () => caller.call(slow, signal()))]);
    const [one, two] = [spanNamed('job one'), spanNamed('job two')];
    const parents = callSpans(name).map((s) => s.parentSpanContext?.spanId).sort();
    expect(parents).toEqual([one.spanContext().spanId, two.spanContext().spanId].sort());
  });

  it('a call the open breaker refused is a span with outcome circuit_open; no span carries a key', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, { ...fast, maxRetries: 0 });
    const failing = async (): Promise<never> => {
      throw new ProviderError(name, 'provider_unavailable', 'HTTP 500', { retryable: true, countsAsFailure: true, status: 500 });
    };
    for (let i = 0; i < 2; i++) await expect(caller.call(failing, signal())).rejects.toMatchObject({ code: 'provider_unavailable' });
    await expect(withSpan('stage C', {}, () => caller.call(async () => SECRET, signal()))).rejects.toBeInstanceOf(CircuitOpenError);
    const refused = callSpans(name).at(-1)!;
    expect(refused.attributes).toMatchObject({ 'mpp.outcome': 'circuit_open', 'mpp.breaker_state': 'open', 'mpp.breaker_probe': false });
    expect(callSpans(name)[1]!.attributes['mpp.breaker_state_after']).toBe('open');
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => [s.attributes, s.events, s.status]))).not.toContain(SECRET);
  });
});
