/**
 * A keyv store over an ioredis connection the process already has (`KeyvStoreAdapter`), so the
 * stage cache's shared tier needs no client of its own: its reads go out on the same ordered
 * connection as the lock, the write script and the job records, and Redis answers them in the
 * order they were sent. Values are kept as keyv serialised them (keyv reads them back), with
 * keyv's TTL as Redis's own expiry. The connection belongs to the caller: `disconnect` leaves it open.
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

export interface IoredisStoreOptions {
  /** Every key this store writes starts with it; `clear` removes what matches it. */
  keyPrefix: string;
}

export class IoredisStore extends EventEmitter implements KeyvStoreAdapter {
  namespace?: string | undefined;

  constructor(
    private readonly redis: Redis,
    readonly opts: IoredisStoreOptions,
  ) {
    super();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return ((await this.redis.get(key)) ?? undefined) as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    if (keys.length === 0) return [];
    return (await this.redis.mget(...keys)).map((v) => (v ?? undefined) as StoredData<Value | undefined>);
  }

  /** keyv passes its TTL in milliseconds (undefined: no expiry). */
  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    const reply = typeof ttl === 'number' && ttl > 0 ? await this.redis.set(key, value, 'PX', Math.ceil(ttl)) : await this.redis.set(key, value);
    return reply === 'OK';
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.unlink(key)) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return keys.length > 0 && (await this.redis.unlink(...keys)) > 0;
  }

  /** Removes every key under `keyPrefix` (SCAN, never KEYS). */
  async clear(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.opts.keyPrefix)}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await this.redis.unlink(...keys);
    } while (cursor !== '0');
  }

  /** The connection is the caller's: nothing to close here. */
  async disconnect(): Promise<void> {}
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
