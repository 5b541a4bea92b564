/**
 * Requests while this process has no working Redis connection: every route under /v1 and /v3
 * reads or writes Redis, and ioredis would hold their commands until it reconnects, leaving
 * clients waiting for as long as the outage lasts. A request waits up to REDIS_WAIT_MS for the
 * connection (a Redis restart or failover blip is ridden out), then gets 503 with Retry-After:
 * nothing was accepted, so nothing is lost, and clients retry (the SDK and CLI do). `/health`,
 * `/ready` (which reports the outage) and `/metrics` (`mathpix_redis_up`) are mounted before this.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { HttpProblem } from './problem';

export const REDIS_WAIT_MS = 2_000;
export const REDIS_RETRY_AFTER_SECONDS = 5;

export function requireRedis(redis: Redis, waitMs = REDIS_WAIT_MS) {
  // One listener per outage, however many requests wait on it.
  let reconnected: Promise<void> | undefined;
  const whenReady = (): Promise<void> => (reconnected ??= new Promise<void>((resolve) => redis.once('ready', () => {
    reconnected = undefined;
    resolve();
  })));
  return async (_req: Request, _res: Response, next: NextFunction): Promise<void> => {
    if (redis.status === 'ready') return next();
    let timer: NodeJS.Timeout | undefined;
    const back = await Promise.race([whenReady().then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)))]);
    clearTimeout(timer);
    if (back) return next();
    next(new HttpProblem(503, 'redis-unavailable', 'Service unavailable', `the job store (Redis) is not reachable (connection ${redis.status}); nothing was stored, try again`, undefined, { 'Retry-After': String(REDIS_RETRY_AFTER_SECONDS) }));
  };
}
