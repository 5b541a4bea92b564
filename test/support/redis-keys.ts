/**
 * Test clean-up: every test file keeps its keys under a prefix of its own and removes them
 * afterwards. SCAN, never KEYS (the Redis may be shared), and UNLINK.
 */
import { Redis } from 'ioredis';

/** Removes the keys matching `pattern` through an open connection. */
export async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Removes every key under `prefix:`, on a connection of its own to `url`. */
export async function deletePrefix(prefix: string, url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = new Redis(url);
  try {
    await deleteMatching(redis, `${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}
