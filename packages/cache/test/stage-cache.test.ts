/**
 * StageCache against the real Redis: what a lookup costs in round trips (each one waits for a
 * busy event loop under load), the unawaited write and the one connection's order that makes it
 * safe, single flight across two "workers" (two connections, two caches), provisional entries,
 * clears racing a winner, and counters that never cost a lookup.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { StageCache, type StageCacheOptions } from '@mpp/cache';
import { startRoundTripProxy, type RoundTripProxy } from './support/round-trip-proxy';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-cache-${randomUUID().slice(0, 8)}`;
const admin = new Redis(REDIS_URL);
const opened: Array<{ cache: StageCache; redis: Redis }> = [];
let proxy: RoundTripProxy;

beforeAll(async () => {
  proxy = await startRoundTripProxy(REDIS_URL);
});

afterAll(async () => {
  for (const { cache, redis } of opened) {
    await cache.close();
    redis.disconnect();
  }
  await proxy.close();
  const keys = await admin.keys(`${prefix}:*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

/** One worker's cache: its own connections, through the counting proxy unless `direct`. */
function workerCache(overrides: Partial<StageCacheOptions> = {}, direct = false): StageCache {
  const url = direct ? REDIS_URL : proxy.url;
  const redis = new Redis(url);
  const cache = new StageCache({ redis, prefix, ttlSeconds: 3600, memoryItems: 100, maxSizeBytes: 10 * 1024 * 1024, pollMs: 10, ...overrides });
  opened.push({ cache, redis });
  return cache;
}

const digest = () => randomUUID().replace(/-/g, '');
const LOCK = { lockTtlMs: 10_000 };
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves `seen` once `mark` is called: a winner says it holds the lock and is computing. */
function started(): { seen: Promise<void>; mark(): void } {
  let mark!: () => void;
  const seen = new Promise<void>((resolve) => (mark = resolve));
  return { seen, mark };
}

/** Resolves once no reply is on its way through the proxy. */
async function quiet(): Promise<void> {
  await sleep(1);
  while (proxy.busy()) await sleep(1);
}

/** Round trips of one call, after the connections are up and the scripts are loaded. */
async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  await settle();
  proxy.reset();
  await run();
  await settle();
  return proxy.count();
}

describe('what a lookup costs in round trips', () => {
  let cache: StageCache;
  let withMemory: StageCache;
  beforeAll(async () => {
    cache = workerCache({ memoryItems: 0 });
    withMemory = workerCache();
    // Connect both clients and load the scripts (a first EVALSHA may answer NOSCRIPT).
    for (const c of [cache, withMemory]) {
      const d = digest();
      await c.getOrCompute('stage_b', d, async () => 'warm', LOCK);
      await c.getOrCompute('stage_b', d, async () => 'warm', LOCK);
    }
  });

  it('a miss costs one round trip before the work (the GET and the lookup script, which counts the miss and takes the lock), then the write script, unawaited', async () => {
    let computed = 0;
    const d = digest();
    // The work ends once every reply is back, so the write is a round trip of its own however busy the machine is.
    const work = async () => (await quiet(), ++computed);
    expect(await roundTrips(() => cache.getOrCompute('stage_b', d, work, LOCK))).toBe(2);
    expect(computed).toBe(1);
    const [look, write] = proxy.sentByTrip();
    expect(look).toContain(`cache:stage_b:g`);
    expect(look).toMatch(/\r\nget\r\n/i);
    expect(look).toContain(`cache-lock:stage_b:${d}`);
    expect(look).not.toMatch(/hincrby/i);
    expect(write).toContain('cache-index');
  });

  it('a hit from the shared tier costs one round trip and takes no lock; one from the memory tier sends no GET', async () => {
    const d = digest();
    await cache.getOrCompute('stage_c', d, async () => 'answer', LOCK);
    expect(await roundTrips(() => cache.getOrCompute('stage_c', d, async () => 'again', LOCK))).toBe(1);
    // The GET and the lookup script alone: no lock to give back afterwards.
    expect(proxy.sentByTrip()[0]).toMatch(/\r\nget\r\n/i);
    expect(proxy.sentByTrip()[0]!.match(/evalsha/gi)).toHaveLength(1);

    await withMemory.getOrCompute('stage_c', d, async () => 'again', LOCK); // copies it into memory
    expect(await roundTrips(() => withMemory.getOrCompute('stage_c', d, async () => 'again', LOCK))).toBe(1);
    expect(proxy.sentByTrip()[0]).not.toMatch(/\r\nget\r\n/i);
    await settle();
    expect(await admin.exists(`${prefix}:cache-lock:stage_c:${d}`)).toBe(0);
  });

  it('counts hits and misses inside the lookup script, with no counter command of its own', async () => {
    const counted = workerCache({ prefix: `${prefix}-counted`, memoryItems: 0 });
    const d = digest();
    await counted.getOrCompute('stage_f', d, async () => 'answer', LOCK);
    await counted.getOrCompute('stage_f', d, async () => 'again', LOCK);
    await settle();
    const stats = await counted.stats();
    expect([stats.stage_f.misses, stats.stage_f.hits]).toEqual([1, 1]);
    await admin.del(...(await admin.keys(`${prefix}-counted:*`)));
  });

  it('does not wait for the write script, and a later lookup on the same connection finds the entry it wrote', async () => {
    const d = digest();
    let computed = 0;
    await settle();
    const release = proxy.holdReplies(/cache-index/);
    try {
      // Were the write awaited, this would wait for the held reply and the test would time out.
      await expect(cache.getOrCompute('stage_b', d, async () => (++computed, 'answer'), LOCK)).resolves.toEqual({ value: 'answer', cached: false });
      // Sent behind the write on the same connection, the next lookup is answered after it.
      const next = cache.getOrCompute('stage_b', d, async () => (++computed, 'again'), LOCK);
      await settle();
      release();
      await expect(next).resolves.toEqual({ value: 'answer', cached: true });
      expect(computed).toBe(1);
    } finally {
      release();
    }
  });

  it("a winner's next lookup of the key finds its entry at once, though its write was not awaited", async () => {
    const direct = workerCache({ memoryItems: 0 }, true);
    let computed = 0;
    for (let i = 0; i < 50; i++) {
      const d = digest();
      await direct.getOrCompute('stage_c', d, async () => (++computed, `answer ${i}`), LOCK);
      expect(await direct.getOrCompute('stage_c', d, async () => (++computed, 'again'), LOCK)).toEqual({ value: `answer ${i}`, cached: true });
    }
    expect(computed).toBe(50);
  });

  it('reads again under the new generation when a clear moved it since the last look', async () => {
    const d = digest();
    const other = workerCache({ memoryItems: 0 }, true);
    await cache.getOrCompute('stage_e', d, async () => 'old', LOCK);
    await other.invalidateNamespace('stage_e');
    expect(await cache.getOrCompute('stage_e', d, async () => 'new', LOCK)).toEqual({ value: 'new', cached: false });
    expect(await cache.getOrCompute('stage_e', d, async () => 'newer', LOCK)).toEqual({ value: 'new', cached: true });
  });

  it('a memory-tier copy from before a clear is not served', async () => {
    const d = digest();
    const other = workerCache({ memoryItems: 0 }, true);
    await withMemory.getOrCompute('stage_e', d, async () => 'old', LOCK);
    await settle();
    await other.invalidateNamespace('stage_e');
    expect(await withMemory.getOrCompute('stage_e', d, async () => 'new', LOCK)).toEqual({ value: 'new', cached: false });
  });
});

describe('single flight across workers', () => {
  it('computes once while the other worker waits for the entry', async () => {
    const [a, b] = [workerCache({}, true), workerCache({}, true)];
    const d = digest();
    let computed = 0;
    const winner = started();
    const slow = async () => (computed++, winner.mark(), await sleep(150), 'worked');
    const first = a.getOrCompute('stage_b', d, slow, LOCK);
    await winner.seen; // b looks while a holds the lock
    const second = await b.getOrCompute('stage_b', d, slow, LOCK);
    expect(computed).toBe(1);
    expect([await first, second]).toEqual([{ value: 'worked', cached: false }, { value: 'worked', cached: true }]);
  });

  it('hands the work to a waiter when the winner fails', async () => {
    const [a, b] = [workerCache({}, true), workerCache({}, true)];
    const d = digest();
    const winner = started();
    const failing = a.getOrCompute('stage_b', d, async () => (winner.mark(), await sleep(100), Promise.reject(new Error('provider down'))), LOCK);
    await winner.seen;
    const waiting = b.getOrCompute('stage_b', d, async () => 'second try', LOCK);
    await expect(failing).rejects.toThrow('provider down');
    await expect(waiting).resolves.toEqual({ value: 'second try', cached: false });
  });

  it("lets a later attempt of the same job take over a dead attempt's lock, while other jobs wait for it", async () => {
    const [dead, retry, other] = [workerCache({}, true), workerCache({}, true), workerCache({}, true)];
    const d = digest();
    const winner = started();
    // The first attempt's worker takes the lock and never comes back (its compute never settles).
    void dead.getOrCompute('stage_c', d, () => (winner.mark(), new Promise<string>(() => undefined)), { lockTtlMs: 60_000, owner: 'job-1' });
    await winner.seen;
    const elsewhere = new AbortController();
    const waiting = other.getOrCompute('stage_c', d, async () => 'other job', { lockTtlMs: 60_000, owner: 'job-2', signal: elsewhere.signal });
    // The job's next attempt does not wait the 60 s lock out: it works at once.
    await expect(retry.getOrCompute('stage_c', d, async () => 'retried', { lockTtlMs: 60_000, owner: 'job-1' })).resolves.toEqual({ value: 'retried', cached: false });
    // The other job waited for the lock and is served the retry's entry.
    await expect(waiting).resolves.toEqual({ value: 'retried', cached: true });
    elsewhere.abort();
  });

  it('keeps a lock from being taken over by an owner of another name, or by one without a name', async () => {
    const [holder, b] = [workerCache({}, true), workerCache({}, true)];
    const d = digest();
    const winner = started();
    let release!: (v: string) => void;
    const first = holder.getOrCompute('stage_f', d, () => (winner.mark(), new Promise<string>((resolve) => (release = resolve))), { lockTtlMs: 60_000, owner: 'job-10' });
    await winner.seen;
    let computed = 0;
    // 'job-1' is a prefix of 'job-10' as a string, not as an owner.
    const second = b.getOrCompute('stage_f', d, async () => (computed++, 'other'), { lockTtlMs: 60_000, owner: 'job-1' });
    const third = b.getOrCompute('stage_f', d, async () => (computed++, 'anonymous'), LOCK);
    await sleep(100);
    expect(computed).toBe(0);
    release('first');
    await expect(first).resolves.toEqual({ value: 'first', cached: false });
    await expect(Promise.all([second, third])).resolves.toEqual([{ value: 'first', cached: true }, { value: 'first', cached: true }]);
  });

  it('drops the entry of a winner whose namespace was cleared while it computed', async () => {
    const [a, b] = [workerCache({}, true), workerCache({}, true)];
    const d = digest();
    await a.getOrCompute('stage_d', d, async () => (await b.invalidateNamespace('stage_d'), 'computed before the clear'), LOCK);
    expect((await b.getOrCompute('stage_d', d, async () => 'computed after the clear', LOCK)).value).toBe('computed after the clear');
    await settle(); // b's write is not awaited
    expect((await a.stats()).stage_d.entries).toBe(1); // the later entry only
  });
});

describe('entry lifetimes', () => {
  it('keeps provisional values only provisionalTtlSeconds, in both tiers', async () => {
    const writer = workerCache({ provisionalTtlSeconds: 0.3 }, true);
    const reader = workerCache({ memoryItems: 0 }, true);
    const d = digest();
    const provisional = (v: string) => v.startsWith('fallback');
    await writer.getOrCompute('stage_b', d, async () => 'fallback answer', { ...LOCK, provisional });
    expect(await reader.getOrCompute('stage_b', d, async () => 'x', LOCK)).toEqual({ value: 'fallback answer', cached: true });
    expect(await writer.getOrCompute('stage_b', d, async () => 'x', LOCK)).toEqual({ value: 'fallback answer', cached: true });
    await sleep(400);
    expect(await writer.getOrCompute('stage_b', d, async () => 'provider answer', { ...LOCK, provisional })).toEqual({ value: 'provider answer', cached: false });
    await sleep(400);
    expect(await reader.getOrCompute('stage_b', d, async () => 'x', LOCK)).toEqual({ value: 'provider answer', cached: true });
  });

  it('PIPELINE_CACHE_TTL=0 keeps entries for ever, except provisional ones', async () => {
    const forever = workerCache({ ttlSeconds: 0 }, true);
    const [kept, brief] = [digest(), digest()];
    await forever.getOrCompute('stage_c', kept, async () => 'kept', LOCK);
    await forever.getOrCompute('stage_c', brief, async () => 'brief', { ...LOCK, provisional: () => true });
    await settle(); // the writes are not awaited
    const [keptKey] = await admin.keys(`${prefix}:cache:stage_c:g*:${kept}`);
    const [briefKey] = await admin.keys(`${prefix}:cache:stage_c:g*:${brief}`);
    expect(await admin.pttl(keptKey!)).toBe(-1);
    expect(await admin.pttl(briefKey!)).toBeGreaterThan(0);
    expect(await admin.pttl(briefKey!)).toBeLessThanOrEqual(60_000);
  });
});

describe('counters', () => {
  it('a broken stats hash costs the counts, never the lookup, the lock or an unhandled rejection', async () => {
    const statsPrefix = `${prefix}-broken`;
    await admin.set(`${statsPrefix}:cache-stats`, 'not a hash'); // every HINCRBY on it fails with WRONGTYPE
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const a = workerCache({ prefix: statsPrefix }, true);
      const b = workerCache({ prefix: statsPrefix, memoryItems: 0 }, true);
      const d = digest();
      expect(await a.getOrCompute('stage_b', d, async () => 'answer', LOCK)).toEqual({ value: 'answer', cached: false });
      await settle(); // the write is not awaited
      expect(await admin.exists(`${statsPrefix}:cache-lock:stage_b:${d}`)).toBe(0);
      expect(await b.getOrCompute('stage_b', d, async () => 'again', LOCK)).toEqual({ value: 'answer', cached: true });
      await settle();
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      const keys = await admin.keys(`${statsPrefix}:*`);
      if (keys.length) await admin.del(...keys);
    }
  });
});
