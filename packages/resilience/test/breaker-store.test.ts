import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BreakerStore, type BreakerSettings } from '@mpp/resilience';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-breaker-${randomUUID().slice(0, 8)}`;
// Two connections stand for two worker processes: they share nothing but Redis.
const redisA = new Redis(url);
const redisB = new Redis(url);
const settings: BreakerSettings = { failureThreshold: 3, successThreshold: 2, timeoutMs: 60_000, halfOpenMaxCalls: 1, probeLeaseMs: 10_000 };

afterAll(async () => {
  const found = await redisA.keys(`${prefix}:*`);
  if (found.length) await redisA.del(...found);
  redisA.disconnect();
  redisB.disconnect();
});

function stores(name: string, overrides: Partial<BreakerSettings> = {}) {
  const s = { ...settings, ...overrides };
  return { a: new BreakerStore(redisA, prefix, s), b: new BreakerStore(redisB, prefix, s), name };
}

/** Redis's clock in ms, the only clock the breaker reads. */
async function redisNow(): Promise<number> {
  const [seconds, micros] = await redisA.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Moves the breaker's stored times back by `ms`, as if that much time had passed (no waiting). */
async function elapse(name: string, ms: number): Promise<void> {
  const key = `${prefix}:breaker:${name}`;
  for (const field of ['opened_at', 'probe_lease_until']) {
    if (await redisA.hexists(key, field)) await redisA.hincrby(key, field, -ms);
  }
}

async function openIt(store: BreakerStore, name: string, failures = settings.failureThreshold) {
  for (let i = 0; i < failures; i++) {
    const adm = await store.acquire(name);
    expect(adm.allowed).toBe(true);
    await store.record(name, 'failure', adm.probe);
  }
}

describe('fleet-wide circuit breaker in Redis', () => {
  it('opens for every worker once one worker has seen the failure threshold', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name, 2);
    expect((await b.acquire(name)).allowed).toBe(true); // below the threshold: still closed
    await a.record(name, 'failure', false);
    const after = await redisNow();
    const refused = await b.acquire(name);
    expect(refused).toMatchObject({ allowed: false, state: 'open' });
    expect(refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    const snap = await b.read(name);
    expect(snap).toMatchObject({ state: 'open', failure_count: 3, retry_after: 60 });
    // Opened at Redis's time, at or just before the moment read after the last failure.
    const openedAt = Date.parse(snap.opened_at!);
    expect(openedAt).toBeLessThanOrEqual(after);
    expect(openedAt).toBeGreaterThan(after - 5_000);
  });

  it('agrees across workers whose clocks are skewed: the open timeout runs on Redis time', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name);
    // This "worker" runs an hour ahead (and then an hour behind); the breaker must not care.
    for (const skew of [3_600_000, -3_600_000]) {
      const real = Date.now;
      const spy = jest.spyOn(Date, 'now').mockImplementation(() => real() + skew);
      try {
        const refused = await b.acquire(name);
        expect(refused).toMatchObject({ allowed: false, state: 'open' });
        expect(refused.retryAfterMs).toBeGreaterThan(50_000);
        expect((await b.read(name)).retry_after).toBeGreaterThan(50);
      } finally {
        spy.mockRestore();
      }
    }
    await elapse(name, 60_000);
    expect(await a.acquire(name)).toMatchObject({ allowed: true, state: 'half_open', probe: true });
  });

  it('a success while closed resets the consecutive failure count', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name, 2);
    await b.record(name, 'success', false);
    await openIt(a, name, 2);
    expect((await b.acquire(name)).state).toBe('closed');
  });

  it('after the timeout lets exactly halfOpenMaxCalls probes through across workers, then closes on the success threshold', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`, { halfOpenMaxCalls: 2 });
    await openIt(a, name);
    await elapse(name, 60_000);
    const admissions = await Promise.all([a.acquire(name), b.acquire(name), a.acquire(name), b.acquire(name), b.acquire(name)]);
    const probes = admissions.filter((x) => x.allowed);
    expect(probes).toHaveLength(2);
    expect(probes.every((p) => p.probe && p.state === 'half_open')).toBe(true);
    expect(admissions.filter((x) => !x.allowed).every((x) => x.state === 'half_open')).toBe(true);
    // First probe succeeds: still half-open (threshold 2), its slot is free again.
    expect(await a.record(name, 'success', true)).toEqual({ state: 'half_open', changed: false });
    expect((await b.acquire(name)).allowed).toBe(true);
    expect(await b.record(name, 'success', true)).toEqual({ state: 'closed', changed: true });
    expect(await a.read(name)).toMatchObject({ state: 'closed', failure_count: 0, opened_at: null });
    expect((await b.acquire(name)).allowed).toBe(true);
  });

  it('a failed probe opens the breaker again for a full timeout', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name);
    await elapse(name, 60_000);
    const probe = await b.acquire(name);
    expect(probe.probe).toBe(true);
    expect(await b.record(name, 'failure', true)).toEqual({ state: 'open', changed: true });
    const reopened = await a.acquire(name);
    expect(reopened).toMatchObject({ allowed: false, state: 'open' });
    expect(reopened.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('frees a probe slot whose worker never reported (lease expiry)', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name);
    await elapse(name, 60_000);
    expect((await a.acquire(name)).allowed).toBe(true); // this probe's worker "dies"
    expect((await b.acquire(name)).allowed).toBe(false);
    await elapse(name, 10_000);
    expect((await b.acquire(name)).allowed).toBe(true);
  });

  it('reset closes the breaker and clears the unauthorized flag; a success clears it too', async () => {
    const { a, b, name } = stores(`p-${randomUUID().slice(0, 6)}`);
    await openIt(a, name);
    await a.markUnauthorized(name, 60_000);
    expect(await b.read(name)).toMatchObject({ state: 'open', unauthorized: true });
    await b.reset(name);
    expect(await a.read(name)).toMatchObject({ state: 'closed', unauthorized: false, failure_count: 0 });
    await a.markUnauthorized(name, 60_000);
    await b.record(name, 'success', false);
    expect((await a.read(name)).unauthorized).toBe(false);
  });
});
