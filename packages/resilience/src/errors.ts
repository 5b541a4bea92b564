/**
 * Named errors of external provider calls. Each carries a `code`, whether retrying can help
 * (`retryable`), and whether it says the provider is unhealthy (`countsAsFailure`, fed to the
 * circuit breaker). Messages never carry credentials: they are shown in job records.
 */

export interface ProviderErrorOptions {
  retryable: boolean;
  /** Counts toward opening the breaker (outages, timeouts, 5xx); bad inputs and 401/429 do not. */
  countsAsFailure: boolean;
  status?: number;
}

export class ProviderError extends Error {
  override name = 'ProviderError';
  readonly retryable: boolean;
  readonly countsAsFailure: boolean;
  readonly status?: number;
  constructor(
    readonly provider: string,
    readonly code: string,
    message: string,
    opts: ProviderErrorOptions,
  ) {
    super(message);
    this.retryable = opts.retryable;
    this.countsAsFailure = opts.countsAsFailure;
    this.status = opts.status;
  }
}

/** The breaker is open (fleet-wide): no call was made. `retry_after` is in seconds. */
export class CircuitOpenError extends ProviderError {
  override name = 'CircuitOpenError';
  readonly retry_after: number;
  constructor(provider: string, retryAfterMs: number) {
    super(provider, 'circuit_open', `circuit breaker for ${provider} is OPEN; retry after ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryable: false,
      countsAsFailure: false,
    });
    this.retry_after = Math.ceil(retryAfterMs / 1000);
  }
}

/** The call took longer than the provider's timeout. */
export class ProviderTimeoutError extends ProviderError {
  override name = 'ProviderTimeoutError';
  constructor(provider: string, timeoutMs: number) {
    super(provider, 'provider_timeout', `${provider} did not answer within ${timeoutMs} ms`, { retryable: true, countsAsFailure: true });
  }
}

/** HTTP 401/403: the credentials are wrong. A configuration error: never retried, shown in /ready. */
export class ProviderUnauthorizedError extends ProviderError {
  override name = 'ProviderUnauthorizedError';
  constructor(provider: string, status: number, variables: string) {
    super(provider, 'provider_unauthorized', `${provider} refused the credentials (HTTP ${status}); check ${variables}`, {
      retryable: false,
      countsAsFailure: false,
      status,
    });
  }
}

/**
 * HTTP 429 with a wait the provider asks for. The stage does not fall back for it: the queue
 * layer pauses the stage's queue for `retryAfterMs` and hands the job back without burning an
 * attempt (see docs/providers.md). Recognised by name and `retryAfterMs`, so the queue package
 * needs no import of this one.
 */
export class RateLimitedError extends ProviderError {
  override name = 'RateLimitedError';
  constructor(
    provider: string,
    readonly retryAfterMs: number,
  ) {
    super(provider, 'rate_limited', `${provider} is rate limiting us; retry after ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryable: false,
      countsAsFailure: false,
      status: 429,
    });
  }
}

const asRecord = (err: unknown): Record<string, unknown> => (typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : {});

/** Unknown errors (network resets, DNS, bugs in a response) are treated as retryable outages. */
export function isRetryable(err: unknown): boolean {
  return asRecord(err).retryable !== false;
}

export function countsAsFailure(err: unknown): boolean {
  const flag = asRecord(err).countsAsFailure;
  return typeof flag === 'boolean' ? flag : true;
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds; `fallbackMs` when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, fallbackMs: number, now: number = Date.now()): number {
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : fallbackMs;
}
