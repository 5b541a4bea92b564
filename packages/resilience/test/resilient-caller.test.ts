import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BreakerStore, CircuitOpenError, ProviderError, ProviderTimeoutError, ProviderUnauthorizedError, ResilientCaller, UsageMeter, withUsageMeter } from '@mpp/resilience';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-caller-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url);
const store = new BreakerStore(redis, prefix, { failureThreshold: 3, successThreshold: 1, timeoutMs: 60_000, halfOpenMaxCalls: 1, probeLeaseMs: 5_000 });

afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

const fast = { timeoutMs: 150, maxRetries: 2, concurrency: 2, retryInitialDelayMs: 5, retryMaxDelayMs: 20 };
const signal = () => new AbortController().signal;

describe('resilient caller', () => {
  it('retries retryable failures, then succeeds and records the statuses it saw', async () => {
    const seen: string[] = [];
    const caller = new ResilientCaller(`svc-${randomUUID().slice(0, 6)}`, store, fast, { onCall: (_s, status) => seen.push(status) });
    let n = 0;
    const out = await caller.call(async () => {
      n++;
      if (n < 3) throw new ProviderError('svc', 'provider_unavailable', 'HTTP 503', { retryable: true, countsAsFailure: true });
      return 'ok';
    }, signal());
    expect(out).toBe('ok');
    expect(n).toBe(3);
    expect(seen).toEqual(['provider_unavailable', 'provider_unavailable', 'success']);
  });

  it('turns a hang into ProviderTimeoutError, and opens the shared breaker after the threshold; then no call is made', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, fast);
    let calls = 0;
    const hang = (s: AbortSignal) => {
      calls++;
      return new Promise<never>((_r, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
    };
    await expect(caller.call(hang, signal())).rejects.toBeInstanceOf(ProviderTimeoutError);
    expect(calls).toBe(3); // first attempt + 2 retries, each counted by the breaker: now open
    const other = new ResilientCaller(name, store, fast);
    let called = false;
    const err = await other.call(async () => (called = true), signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).retry_after).toBe(60);
    expect(called).toBe(false);
  });

  it('does not retry or count non-retryable input errors, and flags 401 as unauthorized', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, fast);
    let n = 0;
    for (let i = 0; i < 4; i++) {
      await expect(
        caller.call(async () => {
          n++;
          throw new ProviderUnauthorizedError(name, 401, 'SOME_KEY');
        }, signal()),
      ).rejects.toThrow('check SOME_KEY');
    }
    expect(n).toBe(4);
    expect(await store.read(name)).toMatchObject({ state: 'closed', failure_count: 0, unauthorized: true });
  });

  it('bounds concurrent calls per process with the bulkhead', async () => {
    const caller = new ResilientCaller(`svc-${randomUUID().slice(0, 6)}`, store, { ...fast, timeoutMs: 5_000 });
    let active = 0;
    let peak = 0;
    const work = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return 1;
    };
    await Promise.all(Array.from({ length: 6 }, () => caller.call(work, signal())));
    expect(peak).toBe(2);
  });

  it('meters every call it makes, failed ones and retries included, for the stage attempt in scope', async () => {
    const name = `svc-${randomUUID().slice(0, 6)}`;
    const caller = new ResilientCaller(name, store, { ...fast, concurrency: 1 });
    const flaky = () => {
      let n = 0;
      return async () => {
        if (++n < 2) throw new ProviderError(name, 'provider_unavailable', 'HTTP 503', { retryable: true, countsAsFailure: true });
        await new Promise((r) => setTimeout(r, 10));
        return n;
      };
    };
    const a = new UsageMeter();
    const b = new UsageMeter();
    // Two stage attempts at once: with one bulkhead slot the second waits in line behind the
    // first, and still meters its calls to itself.
    await Promise.all([withUsageMeter(a, () => caller.call(flaky(), signal())), withUsageMeter(b, () => caller.call(flaky(), signal()))]);
    expect(a.toUsage()).toEqual({ calls: { [name]: 2 }, estimated_cost_usd: 0 });
    expect(b.toUsage()).toEqual({ calls: { [name]: 2 }, estimated_cost_usd: 0 });

    // A call the open breaker refuses is not made, so not counted.
    await store.record(name, 'failure', false);
    await store.record(name, 'failure', false);
    await store.record(name, 'failure', false);
    const c = new UsageMeter();
    await expect(withUsageMeter(c, () => caller.call(async () => 1, signal()))).rejects.toBeInstanceOf(CircuitOpenError);
    expect(c.toUsage()).toBeUndefined();
  });
});
