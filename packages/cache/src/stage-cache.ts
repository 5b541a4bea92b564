/**
 * Stage results cached in two tiers: an in-process LRU (keyv over lru-cache, bounded by
 * `PIPELINE_MEMORY_CACHE_ITEMS`) in front of the shared Redis tier (keyv over the process's own
 * ioredis connection, `IoredisStore`; bounded by `PIPELINE_CACHE_MAX_SIZE_MB`, entries kept
 * `PIPELINE_CACHE_TTL` seconds, 0 = no expiry).
 *
 * `getOrCompute` is single-flight across every worker: the first caller of a key takes a Redis
 * lock and does the work, the others wait for its entry instead of calling the provider again.
 * Clearing a namespace bumps its generation, which every process reads before its memory tier,
 * so a clear takes effect fleet-wide at once.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import { CACHE_NAMESPACES, type CacheNamespace } from './cache-key';
import { IoredisStore } from './ioredis-store';
import { FORGET_ENTRIES, LOOK_UP, RECORD_ENTRY, RELEASE_LOCK } from './scripts';

export interface StageCacheOptions {
  /**
   * The one connection for everything the cache sends: entries (keyv's reads), locks, stats and
   * the size index. One ordered connection is what lets a winner's write go unawaited (see
   * computeAndStore); a worker passes the connection its job records and BullMQ use too.
   */
  redis: Redis;
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

/** Where a lookup stands (LOOK_UP): the entry exists; this caller took the lock; another holds it. */
type LookState = 'cached' | 'locked' | 'held';

interface LockRequest {
  lockKey: string;
  token: string;
  owner: string;
  ttlMs: number;
  /** Count a miss if it is one (a caller's first look only). */
  countMiss: boolean;
}

/** An entry's key with the namespace generation it was made under (read once per lookup). */
interface EntryKey {
  key: string;
  gen: string;
}

const DEFAULT_PROVISIONAL_TTL_SECONDS = 60;

export class StageCache {
  private readonly shared: Keyv<Envelope<unknown>>;
  private readonly memory: Keyv<Envelope<unknown>> | undefined;
  private readonly base: string;
  private readonly k: { index: string; sizes: string; stats: string; gen: string };
  /** Each namespace's generation as this process last read it. */
  private readonly lastGen = new Map<CacheNamespace, string>();

  constructor(private readonly opts: StageCacheOptions) {
    this.base = `${opts.prefix}:cache`;
    this.k = { index: `${this.base}-index`, sizes: `${this.base}-sizes`, stats: `${this.base}-stats`, gen: `${this.base}-gen` };
    this.shared = new Keyv<Envelope<unknown>>({ store: new IoredisStore(opts.redis, { keyPrefix: `${this.base}:` }), useKeyPrefix: false });
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
    if (!('mppCacheLookUp' in r)) r.defineCommand('mppCacheLookUp', { numberOfKeys: 3, lua: LOOK_UP });
  }

  /**
   * The cached value, or `compute()` run by exactly one caller fleet-wide while the others wait
   * for its entry. A winner that fails releases the lock, and the next waiter tries in its place.
   *
   * One round trip before the answer or the work, however the lookup ends: the entry's GET (under
   * the generation last seen; none when the memory tier has it) and the lookup script (the
   * generation, the hit or miss counted, the lock taken on a miss), sent together on the one
   * connection. A winner's write is sent, not awaited (see computeAndStore).
   */
  async getOrCompute<T>(ns: CacheNamespace, digest: string, compute: () => Promise<T>, options: LookupOptions<T>): Promise<CacheLookup<T>> {
    const lockKey = `${this.base}-lock:${ns}:${digest}`;
    const owner = options.owner ? `${options.owner}|` : '';
    for (let look = 0; ; look++) {
      const token = `${owner}${randomUUID()}`;
      // A waiter that wakes to a miss again was counted on its first look.
      const { entry, hit, state } = await this.look<T>(ns, digest, { lockKey, token, owner, ttlMs: options.lockTtlMs, countMiss: look === 0 });
      if (hit !== undefined) return { value: hit, cached: true };
      if (state === 'held') {
        await this.waitForRelease(lockKey, options.signal);
        continue;
      }
      // 'locked': this caller won. 'cached' with nothing readable (it expired since the script saw
      // it, or cannot be read): worked out again and written over it, without the lock.
      return { value: await this.computeAndStore(ns, entry, compute, { lockKey, token, provisional: options.provisional }), cached: false };
    }
  }

  /**
   * The entry's key, its value if cached, and where the lookup stands. The GET under the
   * generation last seen goes out first, the script right behind it in the same tick, so they
   * share a round trip; a memory-tier copy needs only the script (to confirm its generation).
   * When a clear moved the generation, the entry is read again under the new one.
   */
  private async look<T>(ns: CacheNamespace, digest: string, lock: LockRequest): Promise<{ entry: EntryKey; hit: T | undefined; state: LookState }> {
    const guess = this.lastGen.get(ns) ?? '0';
    const guessed = this.keyOf(ns, guess, digest);
    const local = (await this.memory?.get(guessed))?.value as T | undefined;
    const fetched = local === undefined ? this.readShared<T>(guessed) : undefined;
    const { gen, state } = await this.lookUp(ns, digest, guess, local !== undefined, lock);
    const value = local ?? (await fetched);
    this.lastGen.set(ns, gen);
    const entry = { key: this.keyOf(ns, gen, digest), gen };
    if (state !== 'cached') return { entry, hit: undefined, state };
    if (gen === guess && value !== undefined) return { entry, hit: value, state };
    // The generation moved, or the entry landed between the GET and the script: read it now.
    return { entry, hit: await this.read<T>(entry.key), state };
  }

  /** The lookup script (LOOK_UP): the generation and whether the entry exists, the lock taken if not. */
  private async lookUp(ns: CacheNamespace, digest: string, guess: string, inMemory: boolean, lock: LockRequest): Promise<{ gen: string; state: LookState }> {
    const args = [this.k.gen, this.k.stats, lock.lockKey, ns, guess, inMemory ? '1' : '0', `${this.base}:${ns}:g`, `:${digest}`, lock.token, String(lock.ttlMs), lock.owner, lock.countMiss ? '1' : '0'];
    const [gen, code] = (await this.cmd('mppCacheLookUp', ...args)) as [string | number, number];
    return { gen: String(gen), state: code === 2 ? 'cached' : code === 1 ? 'locked' : 'held' };
  }

  private async read<T>(key: string): Promise<T | undefined> {
    const local = await this.memory?.get(key);
    if (local) return local.value as T;
    return this.readShared<T>(key);
  }

  /**
   * The shared tier's entry, through keyv (its format, its expiry check), copied into the memory
   * tier to expire with it (a provisional one too). The GET is sent before this returns: keyv
   * calls the store at once.
   */
  private readShared<T>(key: string): Promise<T | undefined> {
    return this.shared.get(key, { raw: true }).then(
      async (found) => {
        if (!found?.value) return undefined;
        const left = typeof found.expires === 'number' ? found.expires - Date.now() : undefined;
        if (left === undefined || left > 0) await this.memory?.set(key, found.value, left);
        return found.value.value as T;
      },
      () => undefined,
    );
  }

  /**
   * Runs the work and writes its entry. The write is one script (the entry as keyv serialised it,
   * the lock released, the size recorded), sent but not awaited: Redis runs a connection's
   * commands in order, so everything this process sends after it (its next lookup of the key, the
   * stage's completion, BullMQ moving the job on) lands after the entry, and a waiter elsewhere
   * is woken only by the release inside the script, with the entry already there. A write that
   * fails costs the entry, never the stage: the lock is given back instead.
   */
  private async computeAndStore<T>(ns: CacheNamespace, entry: EntryKey, compute: () => Promise<T>, lock: { lockKey: string; token: string; provisional?: (value: T) => boolean }): Promise<T> {
    const release = () => this.cmd('mppCacheRelease', lock.lockKey, lock.token).catch(() => undefined);
    let value: T;
    try {
      value = await compute();
    } catch (err) {
      await release();
      throw err;
    }
    const envelope: Envelope<unknown> = { value };
    const ttl = this.ttlMs(lock.provisional?.(value) ?? false);
    await this.memory?.set(entry.key, envelope, ttl);
    const serialized = await this.shared.serializeData({ value: envelope, expires: ttl === undefined ? undefined : Date.now() + ttl }).catch(() => undefined);
    if (typeof serialized !== 'string') {
      void release();
      return value;
    }
    const args = [this.k.index, this.k.sizes, this.k.stats, this.k.gen, lock.lockKey, entry.key, String(Buffer.byteLength(serialized)), String(Date.now()), String(this.opts.maxSizeBytes), ns, entry.gen, lock.token, serialized, String(ttl ?? 0)];
    this.cmd('mppCacheRecord', ...args).catch(release);
    return value;
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

  /** The connection is the caller's; nothing of the cache's own to close. */
  async close(): Promise<void> {}

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
