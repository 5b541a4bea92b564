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
  memoryItems: number;
  maxSizeBytes: number;
  /** How often a waiter looks for the winner's entry. */
  pollMs?: number;
}

export interface CacheLookup<T> {
  value: T;
  cached: boolean;
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

export class StageCache {
  private readonly shared: Keyv<Envelope<unknown>>;
  private readonly sharedStore: KeyvRedis<Envelope<unknown>>;
  private readonly memory: Keyv<Envelope<unknown>> | undefined;
  private readonly base: string;
  private readonly k: { index: string; sizes: string; stats: string; gen: string };

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
    if (!('mppCacheRecord' in r)) r.defineCommand('mppCacheRecord', { numberOfKeys: 3, lua: RECORD_ENTRY });
    if (!('mppCacheForget' in r)) r.defineCommand('mppCacheForget', { numberOfKeys: 3, lua: FORGET_ENTRIES });
    if (!('mppCacheRelease' in r)) r.defineCommand('mppCacheRelease', { numberOfKeys: 1, lua: RELEASE_LOCK });
  }

  async get<T>(ns: CacheNamespace, digest: string): Promise<T | undefined> {
    const key = await this.entryKey(ns, digest);
    const local = await this.memory?.get(key);
    if (local) return local.value as T;
    const found = await this.shared.get(key).catch(() => undefined);
    if (!found) return undefined;
    await this.memory?.set(key, found, this.ttlMs());
    return found.value as T;
  }

  async set<T>(ns: CacheNamespace, digest: string, value: T): Promise<void> {
    const key = await this.entryKey(ns, digest);
    const envelope: Envelope<unknown> = { value };
    await this.memory?.set(key, envelope, this.ttlMs());
    const ok = await this.shared.set(key, envelope, this.ttlMs()).catch(() => false);
    if (!ok) return;
    const bytes = Buffer.byteLength(JSON.stringify(envelope));
    await this.cmd('mppCacheRecord', this.k.index, this.k.sizes, this.k.stats, key, String(bytes), String(Date.now()), String(this.opts.maxSizeBytes), ns);
  }

  /**
   * The cached value, or `compute()` run by exactly one caller fleet-wide while the others wait
   * for its entry. A winner that fails releases the lock, and the next waiter tries in its place.
   */
  async getOrCompute<T>(ns: CacheNamespace, digest: string, compute: () => Promise<T>, options: { signal?: AbortSignal; lockTtlMs: number }): Promise<CacheLookup<T>> {
    const lockKey = `${this.base}-lock:${ns}:${digest}`;
    let counted = false;
    for (;;) {
      const hit = await this.get<T>(ns, digest);
      if (hit !== undefined) {
        await this.opts.redis.hincrby(this.k.stats, `hits:${ns}`, 1);
        return { value: hit, cached: true };
      }
      if (!counted) {
        counted = true;
        await this.opts.redis.hincrby(this.k.stats, `misses:${ns}`, 1);
      }
      const token = randomUUID();
      const locked = await this.opts.redis.set(lockKey, token, 'PX', options.lockTtlMs, 'NX');
      if (locked === 'OK') {
        try {
          const value = await compute();
          await this.set(ns, digest, value);
          return { value, cached: false };
        } finally {
          await this.cmd('mppCacheRelease', lockKey, token).catch(() => undefined);
        }
      }
      await this.waitForRelease(lockKey, options.signal);
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

  private async entryKey(ns: CacheNamespace, digest: string): Promise<string> {
    const gen = (await this.opts.redis.hget(this.k.gen, ns)) ?? '0';
    return `${this.base}:${ns}:g${gen}:${digest}`;
  }

  private ttlMs(): number | undefined {
    return this.opts.ttlSeconds > 0 ? this.opts.ttlSeconds * 1000 : undefined;
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
