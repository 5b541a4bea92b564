/**
 * A coarse limit on failed API-key checks per client address, consulted before the key is: past
 * `RATE_LIMIT_AUTH_FAILURES` wrong or missing keys in a `RATE_LIMIT_WINDOW_SECONDS` window, every
 * keyed request from that address answers 429 with `Retry-After` until the window ends, whatever
 * key it carries (answering a right key differently would let the guessing go on). The per-key
 * limit (`rate-limit.ts`) counts only requests that passed the check. Shared by every API replica
 * through Redis (rate-limiter-flexible); a Redis outage lets requests through, logged.
 *
 * The address is the socket's (`trust proxy` is off): behind a proxy that hides client addresses,
 * one guessing client blocks keyed requests through that proxy for the rest of the window.
 */
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '@mpp/telemetry';
import { HttpProblem } from './problem';

export interface AuthThrottleOptions {
  redis: Redis;
  prefix: string;
  /** Failed checks allowed per address and window; 0 turns the throttle off. */
  failures: number;
  windowSeconds: number;
  logger: Logger;
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export class AuthThrottle {
  private readonly limiter?: RateLimiterRedis;

  constructor(private readonly options: AuthThrottleOptions) {
    if (options.failures > 0) {
      this.limiter = new RateLimiterRedis({ storeClient: options.redis, keyPrefix: `${options.prefix}:ratelimit:auth-failures`, points: options.failures, duration: options.windowSeconds });
    }
  }

  /** The 429 to answer when the request's address used up its failures, else null. */
  async refusal(req: Request): Promise<HttpProblem | null> {
    if (!this.limiter) return null;
    let state: RateLimiterRes | null;
    try {
      state = await this.limiter.get(clientAddress(req));
    } catch (err) {
      this.options.logger.warn({ err: (err as Error)?.message }, 'auth-failure throttle unavailable; key check let through');
      return null;
    }
    if (!state || state.consumedPoints < this.options.failures) return null;
    const seconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    return new HttpProblem(429, 'rate-limited', 'Too many failed API-key checks', `more than ${this.options.failures} requests without a valid key from this address in ${this.options.windowSeconds} s; retry in ${seconds} s`, undefined, { 'Retry-After': String(seconds) });
  }

  /** Counts one failed check against the request's address. */
  async failed(req: Request): Promise<void> {
    if (!this.limiter) return;
    await this.limiter.consume(clientAddress(req)).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) this.options.logger.warn({ err: (rejection as Error)?.message }, 'auth-failure throttle unavailable; failure not counted');
    });
  }
}
