/**
 * `UsageMeter`: what one stage attempt spent on external APIs. Every call a `ResilientCaller`
 * actually makes (admitted by the breaker, whatever its outcome: success, error, timeout, 429) is
 * counted for its provider; providers add the tokens and the estimated cost of each answer they
 * received, before they validate it (an answer that is then rejected was still billed).
 *
 * The meter in scope is found through AsyncLocalStorage, so provider chains need no extra
 * parameter: the worker runs each stage inside `withUsageMeter` and writes the total into the
 * stage output's `usage` (docs/providers.md, "Usage accounting").
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The same shape as the stage outputs' `usage` (@mpp/schemas `StageUsage`). */
export interface MeteredUsage {
  calls: Record<string, number>;
  input_tokens?: number;
  output_tokens?: number;
  estimated_cost_usd?: number;
}

export class UsageMeter {
  private readonly calls: Record<string, number> = {};
  private inputTokens = 0;
  private outputTokens = 0;
  private costUsd = 0;
  private tokensSeen = false;

  /** One call made to `provider` (counted when it is sent, before its outcome is known). */
  countCall(provider: string): void {
    this.calls[provider] = (this.calls[provider] ?? 0) + 1;
  }

  /** What an answer cost: LLM tokens (when the API reports them) and the estimated USD. */
  addCost(cost: { inputTokens?: number; outputTokens?: number; usd?: number }): void {
    if (cost.inputTokens !== undefined || cost.outputTokens !== undefined) this.tokensSeen = true;
    this.inputTokens += cost.inputTokens ?? 0;
    this.outputTokens += cost.outputTokens ?? 0;
    this.costUsd += cost.usd ?? 0;
  }

  /** Adds a usage recorded elsewhere (an earlier attempt of the same stage). */
  add(usage: MeteredUsage): void {
    for (const [name, n] of Object.entries(usage.calls)) this.calls[name] = (this.calls[name] ?? 0) + n;
    this.addCost({
      ...(usage.input_tokens !== undefined ? { inputTokens: usage.input_tokens } : {}),
      ...(usage.output_tokens !== undefined ? { outputTokens: usage.output_tokens } : {}),
      usd: usage.estimated_cost_usd ?? 0,
    });
  }

  get empty(): boolean {
    return Object.keys(this.calls).length === 0 && this.costUsd === 0;
  }

  /** The stage output's `usage`, or undefined when nothing was called. */
  toUsage(): MeteredUsage | undefined {
    if (this.empty) return undefined;
    return {
      calls: { ...this.calls },
      ...(this.tokensSeen ? { input_tokens: this.inputTokens, output_tokens: this.outputTokens } : {}),
      estimated_cost_usd: Math.round(this.costUsd * 1e6) / 1e6,
    };
  }
}

const scope = new AsyncLocalStorage<UsageMeter>();

/** Runs `fn` with `meter` in scope for every external call it makes. */
export function withUsageMeter<T>(meter: UsageMeter, fn: () => Promise<T>): Promise<T> {
  return scope.run(meter, fn);
}

/** The meter of the stage attempt running in this async context, if any. */
export function currentUsageMeter(): UsageMeter | undefined {
  return scope.getStore();
}
