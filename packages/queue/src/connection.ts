/** Redis connections for BullMQ: workers need `maxRetriesPerRequest: null` on blocking clients. */
import { Redis, type RedisOptions } from 'ioredis';

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/**
 * Whether `redis` is connected and answers a PING within `timeoutMs`. While Redis is down, commands
 * wait in ioredis's offline queue (`maxRetriesPerRequest: null`), so a bare `ping()` in a readiness
 * probe would hang until Redis is back instead of answering "unreachable".
 */
export async function redisReachable(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([redis.ping().then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
