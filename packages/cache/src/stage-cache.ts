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
import { FORGET_ENTRIES, RECORD_ENTRY, RELEASE_LOCK } from './scripts';

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
  }

  /**
   * The cached value, or `compute()` run by exactly one caller fleet-wide while the others wait
   * for its entry. A winner that fails releases the lock, and the next waiter tries in its place.
   *
   * Round trips, each of which waits for a busy event loop: a hit costs one (the generation read,
   * with the entry's GET beside it unless the memory tier has it; its counter is not awaited); a
   * miss adds one for the miss counter and the lock together, then the entry's SET and one script
   * that records its size and releases the lock.
   */
  async getOrCompute<T>(ns: CacheNamespace, digest: string, compute: () => Promise<T>, options: LookupOptions<T>): Promise<CacheLookup<T>> {
    const lockKey = `${this.base}-lock:${ns}:${digest}`;
    for (let look = 0; ; look++) {
      const { entry, hit } = await this.look<T>(ns, digest);
      if (hit !== undefined) {
        this.opts.redis.hincrby(this.k.stats, `hits:${ns}`, 1).catch(() => undefined);
        return { value: hit, cached: true };
      }
      const token = randomUUID();
      // A waiter that wakes to a miss again was counted on its first look.
      if (await this.countMissAndLock(look === 0 ? ns : undefined, lockKey, token, options.lockTtlMs)) {
        return { value: await this.computeAndStore(ns, entry, compute, { lockKey, token, provisional: options.provisional }), cached: false };
      }
      await this.waitForRelease(lockKey, options.signal);
    }
  }

  /**
   * The entry's key and its value if cached. The generation is read beside the entry's GET under
   * the generation last seen (they only change on a clear): one round trip, not two; when the
   * generation moved, the entry is read again under the new one.
   */
  private async look<T>(ns: CacheNamespace, digest: string): Promise<{ entry: EntryKey; hit: T | undefined }> {
    const guess = this.lastGen.get(ns);
    if (guess !== undefined) {
      const [gen, hit] = await Promise.all([this.generation(ns), this.read<T>(this.keyOf(ns, guess, digest))]);
      if (gen === guess) return { entry: { key: this.keyOf(ns, gen, digest), gen }, hit };
      this.lastGen.set(ns, gen);
      const entry = { key: this.keyOf(ns, gen, digest), gen };
      return { entry, hit: await this.read<T>(entry.key) };
    }
    const gen = await this.generation(ns);
    this.lastGen.set(ns, gen);
    const entry = { key: this.keyOf(ns, gen, digest), gen };
    return { entry, hit: await this.read<T>(entry.key) };
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

  /** One round trip: the miss counter (when `ns` is given) and the lock's SET NX, pipelined. */
  private async countMissAndLock(ns: CacheNamespace | undefined, lockKey: string, token: string, lockTtlMs: number): Promise<boolean> {
    const batch = this.opts.redis.pipeline();
    if (ns) batch.hincrby(this.k.stats, `misses:${ns}`, 1);
    batch.set(lockKey, token, 'PX', lockTtlMs, 'NX');
    const replies = (await batch.exec()) ?? [];
    const [err, locked] = replies[replies.length - 1] ?? [new Error('cache lock: no reply')];
    if (err) throw err;
    return locked === 'OK';
  }

  private async computeAndStore<T>(ns: CacheNamespace, entry: EntryKey, compute: () => Promise<T>, lock: { lockKey: string; token: string; provisional?: (value: T) => boolean }): Promise<T> {
    let released = false;
    try {
      const value = await compute();
      const envelope: Envelope<unknown> = { value };
      const ttl = this.ttlMs(lock.provisional?.(value) ?? false);
      await this.memory?.set(entry.key, envelope, ttl);
      if (await this.shared.set(entry.key, envelope, ttl).catch(() => false)) {
        const bytes = Buffer.byteLength(JSON.stringify(envelope));
        const args = [this.k.index, this.k.sizes, this.k.stats, this.k.gen, lock.lockKey, entry.key, String(bytes), String(Date.now()), String(this.opts.maxSizeBytes), ns, entry.gen, lock.token];
        // An index that cannot be updated costs the size accounting, never the stage.
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
