/**
 * Image bytes stored once by content hash with a TTL. Jobs carry the reference (`sha256:<hex>`),
 * never the bytes, so queues stay small and the same image sent twice is stored once.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StoreKeys } from './keys';

export class BlobNotFoundError extends Error {
  readonly code = 'blob_not_found';
  constructor(readonly ref: string) {
    super(`image ${ref} is no longer stored (expired or deleted)`);
    this.name = 'BlobNotFoundError';
  }
}

export class BlobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly ttlSeconds: number,
  ) {}

  /**
   * Stores the bytes (once) and keeps them at least `ttlSeconds` from now: a repeat upload
   * extends a shorter life and never shortens a longer one (a job may hold the same image).
   */
  async put(data: Buffer, ttlSeconds = this.ttlSeconds): Promise<string> {
    const hex = createHash('sha256').update(data).digest('hex');
    const key = this.keys.blob(hex);
    // NX keeps the first copy; GT only ever lengthens its life. If the copy expired between the
    // two calls, EXPIRE finds nothing and the bytes are stored again.
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.redis.set(key, data, 'EX', ttlSeconds, 'NX')) !== null) break;
      if ((await this.redis.expire(key, ttlSeconds, 'GT')) === 1 || (await this.redis.exists(key)) === 1) break;
    }
    return `sha256:${hex}`;
  }

  async get(ref: string): Promise<Buffer> {
    const hex = parseRef(ref);
    const data = await this.redis.getBuffer(this.keys.blob(hex));
    if (!data) throw new BlobNotFoundError(ref);
    return data;
  }

  /** Keeps a blob alive at least as long as the job that references it. */
  async touch(ref: string, ttlSeconds: number): Promise<void> {
    await this.redis.expire(this.keys.blob(parseRef(ref)), ttlSeconds, 'GT');
  }
}

function parseRef(ref: string): string {
  const match = /^sha256:([0-9a-f]{64})$/.exec(ref);
  if (!match?.[1]) throw new BlobNotFoundError(ref);
  return match[1];
}
