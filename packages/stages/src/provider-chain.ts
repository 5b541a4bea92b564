/**
 * Runs a stage's provider chain: the configured providers in order, reordered or restricted by the
 * job's `options.providers[stage]`, falling through to the next provider when one fails. Stages B
 * and C share it, so fallback semantics (what is recorded, when to give up, how abort is honoured)
 * are decided here once.
 */
import type { z } from 'zod';
import type { StageContext, StageLogger } from './context';

/** Every provider in the chain failed; the queue layer retries the stage (the outage may pass). */
export class AllProvidersFailedError extends Error {
  override readonly name = 'AllProvidersFailedError';
  readonly code = 'providers_exhausted' as const;
  readonly retryable = true;
  constructor(
    /** `"<provider>: <message>"` for each provider tried, in order. */
    readonly failures: readonly string[],
  ) {
    super(failures.length > 0 ? `all providers failed: ${failures.join('; ')}` : 'no provider is configured for this stage');
  }
}

/** The job was cancelled or timed out while the chain ran; never retried by the chain itself. */
export class ProviderChainAbortedError extends Error {
  override readonly name = 'ProviderChainAbortedError';
  readonly code = 'aborted' as const;
  readonly retryable = false;
  constructor(readonly reason?: unknown) {
    super(`provider chain aborted${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}`);
  }
}

export interface ProviderChainOptions {
  signal: AbortSignal;
  logger: StageLogger;
  /** What is left of the stage's rate-limit wait budget (ms); undefined: no budget. */
  rateLimitBudgetMs?: number;
}

export interface ProviderChainResult<R> {
  result: R;
  /** Name of the provider whose answer this is. */
  provider: string;
  /** `"<provider>: <message>"` for each provider that failed before it, joined by `"; "`. */
  fallback_reason?: string;
}

/**
 * The chain in the order it is tried. `preferred` (the job's option) lists names to try first, in
 * that order, and restricts the chain to them; unknown names are ignored with a warning; when none
 * is known, the default chain serves.
 */
export function orderProviders<P extends { readonly name: string }>(
  chain: readonly P[],
  preferred: readonly string[] | undefined,
  logger?: StageLogger,
): P[] {
  if (!preferred || preferred.length === 0) return [...chain];
  const byName = new Map(chain.map((p) => [p.name, p] as const));
  const picked: P[] = [];
  const unknown: string[] = [];
  for (const name of preferred) {
    const provider = byName.get(name);
    if (!provider) unknown.push(name);
    else if (!picked.includes(provider)) picked.push(provider);
  }
  if (unknown.length > 0) {
    logger?.warn({ unknown, available: chain.map((p) => p.name) }, 'ignoring unknown provider names in options.providers');
  }
  if (picked.length === 0) {
    logger?.warn({ preferred }, 'no known provider in options.providers; using the default chain');
    return [...chain];
  }
  return picked;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A provider that is rate limited with a short wait throws an error named `RateLimitedError`
 * carrying `retryAfterMs`: the chain does not fall back for it but lets it through, so the queue
 * layer pauses the stage's queue and hands the job back without burning an attempt
 * (docs/providers.md). A long single wait is the provider's to turn into an ordinary failure; a
 * wait past what is left of the stage's budget (`rateLimitBudgetMs`, the sum of its earlier
 * pauses counted against PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS) is the chain's: it falls back.
 */
export function isRateLimited(err: unknown): err is Error & { retryAfterMs: number } {
  return err instanceof Error && err.name === 'RateLimitedError' && typeof (err as { retryAfterMs?: unknown }).retryAfterMs === 'number';
}

/**
 * Calls `call(provider)` for each provider in order until one succeeds. Aborting the signal stops
 * the chain between providers (and rejects with ProviderChainAbortedError); a provider is expected
 * to honour the signal itself while it runs, so an error thrown after the abort is not a fallback.
 */
export async function runProviderChain<P extends { readonly name: string }, R>(
  chain: readonly P[],
  preferred: readonly string[] | undefined,
  call: (provider: P) => Promise<R>,
  opts: ProviderChainOptions,
): Promise<ProviderChainResult<R>> {
  const { signal, logger } = opts;
  const ordered = orderProviders(chain, preferred, logger);
  const failures: string[] = [];
  for (const provider of ordered) {
    if (signal.aborted) throw new ProviderChainAbortedError(signal.reason);
    try {
      const result = await call(provider);
      if (failures.length > 0) {
        logger.info({ provider: provider.name, failures }, 'provider fallback succeeded');
        return { result, provider: provider.name, fallback_reason: failures.join('; ') };
      }
      return { result, provider: provider.name };
    } catch (err) {
      if (signal.aborted) throw new ProviderChainAbortedError(signal.reason);
      if (isRateLimited(err)) {
        if (opts.rateLimitBudgetMs === undefined || err.retryAfterMs <= opts.rateLimitBudgetMs) throw err;
        const reason = `${describe(err)}; the stage already waited its rate-limit budget, so it falls back`;
        failures.push(`${provider.name}: ${reason}`);
        logger.warn({ provider: provider.name, retry_after_ms: err.retryAfterMs, budget_ms: opts.rateLimitBudgetMs }, 'provider still rate limited past the wait budget; trying the next one');
        continue;
      }
      failures.push(`${provider.name}: ${describe(err)}`);
      logger.warn({ provider: provider.name, err: describe(err) }, 'provider failed; trying the next one');
    }
  }
  throw new AllProvidersFailedError(failures);
}

/** A provider answered with something that is not a valid result of its stage (B: text, C: vision). */
export class InvalidProviderResultError extends Error {
  override readonly name = 'InvalidProviderResultError';
  readonly code = 'invalid_provider_result' as const;
  constructor(readonly provider: string, readonly issues: string, readonly what: 'text' | 'vision' = 'text') {
    super(`${provider} returned an invalid ${what} result: ${issues}`);
  }
}

const MAX_REPORTED_ISSUES = 3;

/**
 * A provider's answer checked against its stage's schema (and `extraIssues`, for what the schema
 * cannot see); a malformed answer throws InvalidProviderResultError, so the chain tries the next
 * provider.
 */
export function checkProviderAnswer<T>(
  schema: z.ZodType<T>,
  answer: unknown,
  provider: string,
  what: 'text' | 'vision',
  extraIssues: (result: T) => string[] = () => [],
): T {
  const checked = schema.safeParse(answer);
  const issues = checked.success ? extraIssues(checked.data) : checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (!checked.success || issues.length > 0) throw new InvalidProviderResultError(provider, issues.slice(0, MAX_REPORTED_ISSUES).join('; '), what);
  return checked.data;
}

/**
 * Stages B and C: the normalised image handed to the first provider of the chain that answers,
 * and the answer stamped with the provider's name, the failures before it and the stage's time.
 */
export async function runProviderStage<P extends { readonly name: string }, R extends object>(
  ctx: Pick<StageContext, 'loadImage' | 'signal' | 'logger' | 'rateLimitBudgetMs'>,
  chain: readonly P[],
  preferred: readonly string[] | undefined,
  call: (provider: P, image: Buffer) => Promise<R>,
): Promise<R & { provider: string; fallback_reason?: string; duration_ms: number }> {
  const startedAt = performance.now();
  const image = await ctx.loadImage();
  ctx.signal.throwIfAborted();
  const { result, provider, fallback_reason } = await runProviderChain(chain, preferred, (p) => call(p, image), {
    signal: ctx.signal,
    logger: ctx.logger,
    ...(ctx.rateLimitBudgetMs !== undefined ? { rateLimitBudgetMs: ctx.rateLimitBudgetMs } : {}),
  });
  return {
    ...result,
    provider,
    ...(fallback_reason !== undefined ? { fallback_reason } : {}),
    duration_ms: Math.round(performance.now() - startedAt),
  };
}
