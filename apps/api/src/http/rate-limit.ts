/**
 * Per-client rate limit on `/v1` and `/v3/text`, shared by every API replica through Redis (rate-limiter-flexible,
 * fixed window of `RATE_LIMIT_WINDOW_SECONDS`, `RATE_LIMIT_REQUESTS` per window). The client is its
 * API key (by digest, never the key itself) when `API_KEYS` is set, otherwise its address. Over the
 * limit: 429 problem with `Retry-After`. A Redis outage lets requests through (logged), so the
 * limiter never takes the API down with it.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '@mpp/telemetry';
import { isValidKey, presentedKey } from './access';
import { HttpProblem } from './problem';

export interface RateLimitOptions {
  redis: Redis;
  prefix: string;
  /** Requests per window; 0 turns the limit off. */
  points: number;
  windowSeconds: number;
  apiKeys: readonly string[];
  logger: Logger;
  /** The key a request presents (default: Bearer / X-API-Key / the pages' cookie; /v3/text adds Mathpix's `app_key`). */
  keyOf?: (req: Request) => string | undefined;
}

/** Who a request counts against: its API key's digest when keys are in use, else its address. */
export function rateLimitSubject(req: Request, apiKeys: readonly string[], key = presentedKey(req)): string {
  if (apiKeys.length > 0 && key && isValidKey(key, apiKeys)) return `key:${createHash('sha256').update(key.trim()).digest('hex').slice(0, 32)}`;
  return `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
}

export function rateLimit(options: RateLimitOptions): RequestHandler {
  if (options.points <= 0) return (_req, _res, next) => next();
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:ratelimit`,
    points: options.points,
    duration: options.windowSeconds,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    limiter.consume(rateLimitSubject(req, options.apiKeys, (options.keyOf ?? presentedKey)(req))).then(
      (state) => {
        setHeaders(res, options.points, state);
        next();
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          options.logger.warn({ err: (rejection as Error)?.message }, 'rate limiter unavailable; request let through');
          next();
          return;
        }
        setHeaders(res, options.points, rejection);
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        next(new HttpProblem(429, 'rate-limited', 'Too many requests', `more than ${options.points} requests in ${options.windowSeconds} s; retry in ${seconds} s`, undefined, { 'Retry-After': String(seconds) }));
      },
    );
  };
}

function setHeaders(res: Response, limit: number, state: RateLimiterRes): void {
  res.setHeader('RateLimit-Limit', String(limit));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, state.remainingPoints)));
  res.setHeader('RateLimit-Reset', String(Math.ceil(state.msBeforeNext / 1000)));
}
