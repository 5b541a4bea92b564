/**
 * `breakerStore`: the circuit breakers of the external providers, kept in Redis under
 * `<REDIS_PREFIX>:breaker:<provider>` so the whole fleet shares them. Opening in one worker stops
 * every worker on its next call (each call is admitted by one atomic script); half-open admits at
 * most `halfOpenMaxCalls` probes at a time across the fleet. It also keeps the "unauthorized"
 * flag a provider raises on HTTP 401, which `/ready` shows.
 *
 * No time here comes from this process's clock: the scripts read Redis's `TIME`, and so does
 * `read`, so workers whose clocks disagree still agree on when an open breaker lets probes through.
 */
import type { Redis } from 'ioredis';
import { ACQUIRE_CALL, RECORD_OUTCOME } from './breaker-scripts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerSettings {
  failureThreshold: number;
  successThreshold: number;
  /** How long the breaker stays open before it lets probes through. */
  timeoutMs: number;
  halfOpenMaxCalls: number;
  /** A probe slot is freed after this long even if its outcome never arrives (worker died). */
  probeLeaseMs: number;
}

export interface BreakerAdmission {
  allowed: boolean;
  state: BreakerState;
  /** When refused: how long until a call may be tried again. */
  retryAfterMs: number;
  /** Admitted as a half-open probe; its outcome must be recorded with `probe = true`. */
  probe: boolean;
}

/** What `GET /v1/admin/breakers` shows for one provider. */
export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  failure_count: number;
  opened_at: string | null;
  /** Seconds until probes are let through (open), else 0. */
  retry_after: number;
  half_open_probes: number;
  unauthorized: boolean;
}

interface BreakerCommands {
  mppBreakerAcquire(key: string, ...args: Array<string | number>): Promise<[number, string, number, number]>;
  mppBreakerRecord(key: string, flag: string, ...args: Array<string | number>): Promise<[string, number]>;
}

export class BreakerStore {
  private readonly redis: Redis & BreakerCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    readonly settings: BreakerSettings,
  ) {
    const r = redis as Redis & Partial<BreakerCommands>;
    if (!r.mppBreakerAcquire) redis.defineCommand('mppBreakerAcquire', { numberOfKeys: 1, lua: ACQUIRE_CALL });
    if (!r.mppBreakerRecord) redis.defineCommand('mppBreakerRecord', { numberOfKeys: 2, lua: RECORD_OUTCOME });
    this.redis = redis as Redis & BreakerCommands;
  }

  key(name: string): string {
    return `${this.prefix}:breaker:${name}`;
  }

  private unauthorizedKey(name: string): string {
    return `${this.prefix}:breaker:${name}:unauthorized`;
  }

  async acquire(name: string): Promise<BreakerAdmission> {
    const s = this.settings;
    const [allowed, state, retryAfterMs, probe] = await this.redis.mppBreakerAcquire(this.key(name), s.timeoutMs, s.halfOpenMaxCalls, s.probeLeaseMs);
    return { allowed: allowed === 1, state: state as BreakerState, retryAfterMs: Math.max(0, Number(retryAfterMs)), probe: probe === 1 };
  }

  async record(name: string, outcome: 'success' | 'failure', probe: boolean): Promise<{ state: BreakerState; changed: boolean }> {
    const s = this.settings;
    const [state, changed] = await this.redis.mppBreakerRecord(this.key(name), this.unauthorizedKey(name), outcome, probe ? 1 : 0, s.failureThreshold, s.successThreshold);
    return { state: state as BreakerState, changed: changed === 1 };
  }

  /**
   * Releases a probe slot without deciding anything (the call ended in a way that says nothing
   * about the provider's health, e.g. a rate limit or a bad input).
   */
  async release(name: string, probe: boolean): Promise<void> {
    if (!probe) return;
    const key = this.key(name);
    await this.redis.eval("local p = tonumber(redis.call('HGET', KEYS[1], 'probes') or '0') if p > 0 then redis.call('HSET', KEYS[1], 'probes', p - 1) end return 1", 1, key);
  }

  async read(name: string): Promise<BreakerSnapshot> {
    // One MULTI: the fields and Redis's clock are read at the same instant.
    const replies = await this.redis.multi().hgetall(this.key(name)).exists(this.unauthorizedKey(name)).time().exec();
    if (!replies) throw new Error(`breaker ${name}: the read transaction was aborted`);
    for (const [err] of replies) if (err) throw err;
    const fields = replies[0]![1] as Record<string, string>;
    const unauthorized = replies[1]![1] as number;
    const [seconds, micros] = replies[2]![1] as [string, string];
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const state = (fields.state as BreakerState | undefined) ?? 'closed';
    const openedAt = fields.opened_at ? Number(fields.opened_at) : undefined;
    const retryAfterMs = state === 'open' && openedAt !== undefined ? Math.max(0, openedAt + this.settings.timeoutMs - now) : 0;
    return {
      name,
      state,
      failure_count: Number(fields.failures ?? 0),
      opened_at: state !== 'closed' && openedAt !== undefined ? new Date(openedAt).toISOString() : null,
      retry_after: Math.ceil(retryAfterMs / 1000),
      half_open_probes: state === 'half_open' ? Number(fields.probes ?? 0) : 0,
      unauthorized: unauthorized === 1,
    };
  }

  /** Closes the breaker and clears its counters and the unauthorized flag (admin reset). */
  async reset(name: string): Promise<void> {
    await this.redis.del(this.key(name), this.unauthorizedKey(name));
  }

  /** Raised on HTTP 401: the credentials are wrong; `/ready` shows `unauthorized` until a success or the TTL. */
  async markUnauthorized(name: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.unauthorizedKey(name), '1', 'PX', Math.max(1, Math.round(ttlMs)));
  }
}

/** Breaker state as a gauge value: 0 closed, 1 half-open, 2 open. */
export function breakerStateValue(state: BreakerState): number {
  return state === 'closed' ? 0 : state === 'half_open' ? 1 : 2;
}

/** What `/ready` says of an external service (its `mathpix_api` check, on the API and on workers). */
export type ServiceReadiness = 'connected' | 'not_configured' | 'unauthorized' | 'circuit_open';

/** A service without credentials is `not_configured`; otherwise its fleet-wide breaker decides. */
export async function serviceReadiness(breakers: BreakerStore, name: string, configured: boolean): Promise<ServiceReadiness> {
  if (!configured) return 'not_configured';
  const snap = await breakers.read(name);
  if (snap.unauthorized) return 'unauthorized';
  return snap.state === 'open' ? 'circuit_open' : 'connected';
}
