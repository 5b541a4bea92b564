/** Redis connections for BullMQ: workers need `maxRetriesPerRequest: null` on blocking clients. */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@mpp/telemetry';

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

/** How often, at most, a connection that keeps failing is logged again. */
export const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Logs a connection's errors: the first at once, then at most one line per interval saying how
 * many more there were. ioredis retries every few hundred milliseconds while Redis is down, and an
 * emitter without an `error` listener prints each failure with its stack to stderr.
 */
export function reportRedisErrors(redis: Redis, logger: Logger, connection: string): void {
  let last = 0;
  let unlogged = 0;
  redis.on('error', (err: Error) => {
    const now = Date.now();
    if (now - last < REDIS_ERROR_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    logger.warn({ err: err.message, connection, ...(unlogged ? { errors_since_last_log: unlogged } : {}) }, 'redis connection error');
    last = now;
    unlogged = 0;
  });
}
