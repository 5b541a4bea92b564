/**
 * Stage results cached in two tiers: an in-process LRU (keyv over lru-cache, bounded by
 * `PIPELINE_MEMORY_CACHE_ITEMS`) in front of the shared Redis tier (keyv + @keyv/redis, bounded by
 * `PIPELINE_CACHE_MAX_SIZE_MB`, entries kept `PIPELINE_CACHE_TTL` seconds, 0 = no expiry).
 *
 * `getOrCompute` is single-flight across every worker: the first caller of a key takes a Redis
 * lock and does the work, the others wait for its entry instead of calling the provider again.
 * Clearing a namespace bumps its generation, which every process reads before its memory tier,
 * so a clear takes effect fleet-wide at once.
 */
import { randomUUID } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import type { Redis } from 'ioredis';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import { CACHE_NAMESPACES, type CacheNamespace } from './cache-key';
import { FORGET_ENTRIES, RECORD_ENTRY, RELEASE_LOCK, TAKE_LOCK } from './scripts';

export interface StageCacheOptions {
  /** ioredis connection for locks, stats and the size index. */
  redis: Redis;
  /** URL for @keyv/redis (its own client). */
  redisUrl: string;
  prefix: string;
  /** 0 = entries never expire. */
  ttlSeconds: number;
  /**
   * How long a provisional entry (an answer of circumstance, such as a provider fallback) lives:
   * long enough for duplicates in flight to share it, short enough that the next submission asks
   * the provider again once it is back. Default 60 s, the circuit breaker's default open time.
   */
  provisionalTtlSeconds?: number;
  memoryItems: number;
  maxSizeBytes: number;
  /** How often a waiter looks for the winner's entry. */
  pollMs?: number;
}

export interface CacheLookup<T> {
  value: T;
  cached: boolean;
}

export interface LookupOptions<T> {
  signal?: AbortSignal;
  /**
   * Who asks (a job id): a later attempt of the same owner takes the lock over from an earlier one,
   * which only happens when the earlier attempt's worker died or stalled (see TAKE_LOCK).
   */
  owner?: string;
  /** How long the winner may hold the lock (the stage's timeout): a crashed winner frees it. */
  lockTtlMs: number;
  /** Values kept only `provisionalTtlSeconds`. */
  provisional?: (value: T) => boolean;
}

export interface NamespaceStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

interface Envelope<T> {
  value: T;
}

/** An entry's key with the namespace generation it was made under (read once per lookup). */
interface EntryKey {
  key: string;
  gen: string;
}

const DEFAULT_PROVISIONAL_TTL_SECONDS = 60;

export class StageCache {
  private readonly shared: Keyv<Envelope<unknown>>;
  private readonly sharedStore: KeyvRedis<Envelope<unknown>>;
  private readonly memory: Keyv<Envelope<unknown>> | undefined;
  private readonly base: string;
  private readonly k: { index: string; sizes: string; stats: string; gen: string };
  /** Each namespace's generation as this process last read it. */
  private readonly lastGen = new Map<CacheNamespace, string>();

  constructor(private readonly opts: StageCacheOptions) {
    this.base = `${opts.prefix}:cache`;
    this.k = { index: `${this.base}-index`, sizes: `${this.base}-sizes`, stats: `${this.base}-stats`, gen: `${this.base}-gen` };
    this.sharedStore = new KeyvRedis<Envelope<unknown>>(opts.redisUrl, { useUnlink: true });
    this.shared = new Keyv<Envelope<unknown>>({ store: this.sharedStore, useKeyPrefix: false });
    this.shared.namespace = undefined;
    this.shared.on('error', () => undefined); // a cache outage is a miss, never a failed stage
    if (opts.memoryItems > 0) {
      this.memory = new Keyv<Envelope<unknown>>({ store: new LRUCache<string, any>({ max: opts.memoryItems }), useKeyPrefix: false });
      this.memory.namespace = undefined;
    }
    const r = opts.redis as Redis & Record<string, unknown>;
    if (!('mppCacheRecord' in r)) r.defineCommand('mppCacheRecord', { numberOfKeys: 5, lua: RECORD_ENTRY });
    if (!('mppCacheForget' in r)) r.defineCommand('mppCacheForget', { numberOfKeys: 3, lua: FORGET_ENTRIES });
    if (!('mppCacheRelease' in r)) r.defineCommand('mppCacheRelease', { numberOfKeys: 1, lua: RELEASE_LOCK });
    if (!('mppCacheLock' in r)) r.defineCommand('mppCacheLock', { numberOfKeys: 1, lua: TAKE_LOCK });
  }

  /**
   * The cached value, or `compute()` run by exactly one caller fleet-wide while the others wait
   * for its entry. A winner that fails releases the lock, and the next waiter tries in its place.
   *
   * Round trips in sequence, each of which waits for a busy event loop: a hit costs one (the
   * generation read, with the entry's GET beside it unless the memory tier has it); a miss costs
   * that same one (the lock is taken with the generation read), then one script that writes the
   * entry, releases the lock and records its size. Counters are not awaited.
   */
  async getOrCompute<T>(ns: CacheNamespace, digest: string, compute: () => Promise<T>, options: LookupOptions<T>): Promise<CacheLookup<T>> {
    const lockKey = `${this.base}-lock:${ns}:${digest}`;
    for (let look = 0; ; look++) {
      const owner = options.owner ? `${options.owner}|` : '';
      const token = `${owner}${randomUUID()}`;
      const { entry, hit, locked } = await this.look<T>(ns, digest, { lockKey, token, owner, ttlMs: options.lockTtlMs });
      if (hit !== undefined) {
        // A lock taken on the way to a hit is given back at once (nobody waits on it: the entry exists).
        if (locked) this.cmd('mppCacheRelease', lockKey, token).catch(() => undefined);
        this.count(`hits:${ns}`);
        return { value: hit, cached: true };
      }
      // A waiter that wakes to a miss again was counted on its first look.
      if (look === 0) this.count(`misses:${ns}`);
      if (locked) return { value: await this.computeAndStore(ns, entry, compute, { lockKey, token, provisional: options.provisional }), cached: false };
      await this.waitForRelease(lockKey, options.signal);
    }
  }

  /**
   * The entry's key, its value if cached, and whether this caller took the single-flight lock.
   * One round trip when the generation has not moved: the generation read and the lock's SET NX
   * (pipelined) go beside the entry's GET under the generation last seen; a memory-tier hit takes
   * no lock. When a clear moved the generation, the entry is read again under the new one.
   */
  private async look<T>(ns: CacheNamespace, digest: string, lock: { lockKey: string; token: string; owner: string; ttlMs: number }): Promise<{ entry: EntryKey; hit: T | undefined; locked: boolean }> {
    const guess = this.lastGen.get(ns) ?? '0';
    const guessed = this.keyOf(ns, guess, digest);
    const local = await this.memory?.get(guessed);
    if (local) {
      const gen = await this.generation(ns);
      if (gen === guess) return { entry: { key: guessed, gen }, hit: local.value as T, locked: false };
    }
    const [{ gen, locked }, hit] = await Promise.all([this.generationAndLock(ns, lock), local ? undefined : this.read<T>(guessed)]);
    this.lastGen.set(ns, gen);
    const entry = { key: this.keyOf(ns, gen, digest), gen };
    if (gen === guess && hit !== undefined) return { entry, hit, locked };
    return { entry, hit: gen === guess ? undefined : await this.read<T>(entry.key), locked };
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const local = await this.memory?.get(key);
    if (local) return local.value as T;
    const found = await this.shared.get(key, { raw: true }).catch(() => undefined);
    if (!found?.value) return undefined;
    // The memory copy expires with the shared entry (a provisional one too).
    const left = typeof found.expires === 'number' ? found.expires - Date.now() : undefined;
    if (left === undefined || left > 0) await this.memory?.set(key, found.value, left);
    return found.value.value as T;
  }

  /** One round trip: the namespace's generation and the lock's SET NX, pipelined. */
  private async generationAndLock(ns: CacheNamespace, lock: { lockKey: string; token: string; owner: string; ttlMs: number }): Promise<{ gen: string; locked: boolean }> {
    const batch = this.opts.redis.pipeline().hget(this.k.gen, ns) as ReturnType<Redis['pipeline']> & { mppCacheLock(key: string, token: string, ttl: string, owner: string): unknown };
    const replies = (await (batch.mppCacheLock(lock.lockKey, lock.token, String(lock.ttlMs), lock.owner) as typeof batch).exec()) ?? [];
    const [[genErr, gen] = [new Error('cache: no reply')], [lockErr, locked] = [new Error('cache lock: no reply')]] = replies;
    if (genErr) throw genErr;
    if (lockErr) throw lockErr;
    return { gen: (gen as string | null) ?? '0', locked: locked === 1 };
  }

  /** Hit and miss counters are not awaited: a broken stats hash costs the counts, never the lookup. */
  private count(field: string): void {
    this.opts.redis.hincrby(this.k.stats, field, 1).catch(() => undefined);
  }

  private async computeAndStore<T>(ns: CacheNamespace, entry: EntryKey, compute: () => Promise<T>, lock: { lockKey: string; token: string; provisional?: (value: T) => boolean }): Promise<T> {
    let released = false;
    try {
      const value = await compute();
      const envelope: Envelope<unknown> = { value };
      const ttl = this.ttlMs(lock.provisional?.(value) ?? false);
      await this.memory?.set(entry.key, envelope, ttl);
      // keyv serialises the entry (its format, read back by keyv); one script writes it, releases
      // the lock and records its size. A shared tier that cannot be written costs the entry, never the stage.
      const serialized = await this.shared.serializeData({ value: envelope, expires: ttl === undefined ? undefined : Date.now() + ttl }).catch(() => undefined);
      if (typeof serialized === 'string') {
        const bytes = Buffer.byteLength(serialized);
        const args = [this.k.index, this.k.sizes, this.k.stats, this.k.gen, lock.lockKey, entry.key, String(bytes), String(Date.now()), String(this.opts.maxSizeBytes), ns, entry.gen, lock.token, serialized, String(ttl ?? 0)];
        released = await this.cmd('mppCacheRecord', ...args).then(() => true, () => false);
      }
      return value;
    } finally {
      if (!released) await this.cmd('mppCacheRelease', lock.lockKey, lock.token).catch(() => undefined);
    }
  }

  /** `clear`: every namespace. */
  async clear(): Promise<void> {
    for (const ns of CACHE_NAMESPACES) await this.invalidateNamespace(ns);
    await this.memory?.clear();
  }

  /** `invalidate_namespace`: new generation (fleet-wide memory tiers miss), shared entries removed. */
  async invalidateNamespace(ns: CacheNamespace): Promise<number> {
    await this.opts.redis.hincrby(this.k.gen, ns, 1);
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.opts.redis.scan(cursor, 'MATCH', `${this.base}:${ns}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) {
        await this.cmd('mppCacheForget', this.k.index, this.k.sizes, this.k.stats, ...keys.map((key) => `!${key}`));
        removed += keys.length;
      }
    } while (cursor !== '0');
    return removed;
  }

  /** `cleanup_expired`: drops index records of entries Redis already expired. */
  async cleanupExpired(): Promise<number> {
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, flat] = await this.opts.redis.zscan(this.k.index, cursor, 'COUNT', 500);
      cursor = next;
      const members = flat.filter((_, i) => i % 2 === 0);
      if (members.length) dropped += Number(await this.cmd('mppCacheForget', this.k.index, this.k.sizes, this.k.stats, ...members));
    } while (cursor !== '0');
    return dropped;
  }

  async stats(): Promise<Record<CacheNamespace, NamespaceStats> & { total_bytes: number; max_bytes: number }> {
    const h = await this.opts.redis.hgetall(this.k.stats);
    const n = (field: string) => Math.max(0, Number(h[field] ?? 0));
    const out = {} as Record<CacheNamespace, NamespaceStats>;
    for (const ns of CACHE_NAMESPACES) out[ns] = { hits: n(`hits:${ns}`), misses: n(`misses:${ns}`), entries: n(`entries:${ns}`), bytes: n(`bytes:${ns}`) };
    return { ...out, total_bytes: n('bytes'), max_bytes: this.opts.maxSizeBytes };
  }

  async close(): Promise<void> {
    await this.sharedStore.disconnect().catch(() => undefined);
  }

  private async generation(ns: CacheNamespace): Promise<string> {
    return (await this.opts.redis.hget(this.k.gen, ns)) ?? '0';
  }

  private keyOf(ns: CacheNamespace, gen: string, digest: string): string {
    return `${this.base}:${ns}:g${gen}:${digest}`;
  }

  /** Milliseconds an entry lives (undefined: for ever); provisional entries never outlive their short TTL. */
  private ttlMs(provisional: boolean): number | undefined {
    const ttl = this.opts.ttlSeconds > 0 ? this.opts.ttlSeconds * 1000 : undefined;
    if (!provisional) return ttl;
    const short = (this.opts.provisionalTtlSeconds ?? DEFAULT_PROVISIONAL_TTL_SECONDS) * 1000;
    return ttl === undefined ? short : Math.min(ttl, short);
  }

  private async waitForRelease(lockKey: string, signal?: AbortSignal): Promise<void> {
    const pollMs = this.opts.pollMs ?? 100;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      if (!(await this.opts.redis.exists(lockKey))) return;
    }
  }

  private cmd(name: string, ...args: string[]): Promise<unknown> {
    return (this.opts.redis as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[name]!(...args);
  }
}
