/**
 * `ResilientCaller`: how every external provider call is made. Per process, a bulkhead bounds the
 * concurrent calls and cockatiel retries retryable failures with exponential backoff and
 * decorrelated jitter; each attempt is admitted by the fleet-wide breaker in Redis
 * (`BreakerStore`) and runs under a timeout. Outcomes feed the breaker and the metrics.
 *
 * Order, outermost first: bulkhead -> retry -> breaker admission -> timeout -> call. The breaker
 * sits inside the retry so each attempt is counted and an opened breaker stops the retries.
 *
 * Each attempt is a CLIENT span (`call <provider>`) in the caller's trace, with the provider, the
 * retry attempt, the breaker's state at admission, the outcome and the HTTP status when there is
 * one (clients add a success's status with `annotateActiveSpan`). An attempt the breaker refused
 * is a span too (outcome `circuit_open`), so a trace shows why a stage fell back. No credential,
 * URL or body goes into a span.
 */
import { bulkhead, ExponentialBackoff, handleWhen, retry, TaskCancelledError, timeout, TimeoutStrategy, type BulkheadPolicy, type RetryPolicy, type TimeoutPolicy } from 'cockatiel';
import { activeContext, SpanKind, withSpan, type Span } from '@mpp/telemetry';
import { breakerStateValue, type BreakerState, type BreakerStore } from './breaker-store';
import { CircuitOpenError, countsAsFailure, isRetryable, ProviderTimeoutError, ProviderUnauthorizedError } from './errors';
import { currentUsageMeter, type UsageMeter } from './usage-meter';

/** How long `/ready` shows `unauthorized` after a 401 unless a call succeeds first. */
export const UNAUTHORIZED_FLAG_MS = 10 * 60_000;

export interface ResilienceSettings {
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Concurrent calls per process (bulkhead); more wait in line. */
  concurrency: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
}

/** Hooks for metrics; `status` is `success` or an error code (`provider_timeout`, `circuit_open`...). */
export interface CallObserver {
  onCall?(service: string, status: string, seconds?: number): void;
  onBreakerState?(service: string, state: BreakerState, value: number): void;
}

export class ResilientCaller {
  private readonly bulkhead: BulkheadPolicy;
  private readonly retry: RetryPolicy;
  private readonly timeout: TimeoutPolicy;

  constructor(
    readonly name: string,
    private readonly breakers: BreakerStore,
    readonly settings: ResilienceSettings,
    private readonly observer: CallObserver = {},
  ) {
    this.bulkhead = bulkhead(settings.concurrency, 10_000);
    this.retry = retry(handleWhen((err) => isRetryable(err)), {
      maxAttempts: settings.maxRetries,
      backoff: new ExponentialBackoff({ initialDelay: settings.retryInitialDelayMs ?? 200, maxDelay: settings.retryMaxDelayMs ?? 5_000 }),
    });
    // abortOnReturn off: the attempt's signal then aborts only when the timeout fires.
    this.timeout = timeout(settings.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  }

  /** Runs `fn` under the policies; `signal` (the job's) cancels everything, including waits. */
  call<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    // Taken here, in the caller's context: a call queued by the bulkhead later runs in another's.
    const meter = currentUsageMeter();
    const parent = activeContext();
    return this.bulkhead.execute(
      () =>
        this.retry.execute(({ attempt }) => {
          const attributes = { 'peer.service': this.name, 'mpp.provider': this.name, 'mpp.retry_attempt': attempt };
          return withSpan(`call ${this.name}`, { kind: SpanKind.CLIENT, attributes, parent }, (span) => this.attempt(fn, signal, meter, span));
        }, signal),
      signal,
    );
  }

  private async attempt<T>(fn: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, meter: UsageMeter | undefined, span: Span): Promise<T> {
    signal.throwIfAborted();
    const admission = await this.breakers.acquire(this.name);
    this.observer.onBreakerState?.(this.name, admission.state, breakerStateValue(admission.state));
    span.setAttributes({ 'mpp.breaker_state': admission.state, 'mpp.breaker_probe': admission.probe });
    if (!admission.allowed) {
      this.observer.onCall?.(this.name, 'circuit_open');
      span.setAttribute('mpp.outcome', 'circuit_open');
      throw new CircuitOpenError(this.name, admission.retryAfterMs);
    }
    // Admitted: the call is made, and counted in the job's usage whatever its outcome.
    meter?.countCall(this.name);
    const started = performance.now();
    let attemptSignal: AbortSignal | undefined;
    try {
      const result = await this.timeout.execute(({ signal: inner }) => fn((attemptSignal = inner)), signal);
      this.observer.onCall?.(this.name, 'success', (performance.now() - started) / 1000);
      span.setAttribute('mpp.outcome', 'success');
      await this.settle('success', admission.probe, span);
      return result;
    } catch (raw) {
      const seconds = (performance.now() - started) / 1000;
      if (signal.aborted) {
        // The job was cancelled or timed out: that says nothing about the provider.
        span.setAttribute('mpp.outcome', 'aborted');
        await this.breakers.release(this.name, admission.probe);
        throw raw;
      }
      // Our timeout aborts the attempt's signal: whatever the call threw then, it timed out.
      const timedOut = raw instanceof TaskCancelledError || attemptSignal?.aborted === true;
      const err = timedOut ? new ProviderTimeoutError(this.name, this.settings.timeoutMs) : raw;
      const code = typeof (err as { code?: unknown }).code === 'string' ? String((err as { code: string }).code) : 'error';
      this.observer.onCall?.(this.name, code, seconds);
      describeFailure(span, err, code);
      if (err instanceof ProviderUnauthorizedError) await this.breakers.markUnauthorized(this.name, UNAUTHORIZED_FLAG_MS);
      if (countsAsFailure(err)) await this.settle('failure', admission.probe, span);
      else await this.breakers.release(this.name, admission.probe);
      throw err;
    }
  }

  private async settle(outcome: 'success' | 'failure', probe: boolean, span: Span): Promise<void> {
    const { state } = await this.breakers.record(this.name, outcome, probe);
    span.setAttribute('mpp.breaker_state_after', state);
    this.observer.onBreakerState?.(this.name, state, breakerStateValue(state));
  }
}

/** Outcome, HTTP status and error type of a failed attempt; `withSpan` marks the span failed. */
function describeFailure(span: Span, err: unknown, code: string): void {
  const status = (err as { status?: unknown }).status;
  span.setAttributes({ 'mpp.outcome': code, 'error.type': code, ...(typeof status === 'number' ? { 'http.response.status_code': status } : {}) });
}
