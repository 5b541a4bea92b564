/**
 * The usage an external answer adds to the job's result (calls, tokens, estimated USD). The
 * returned `usage` describes this one answer; its tokens and cost are also added to the stage
 * attempt's `UsageMeter` (when one is in scope), which the worker writes into the stage output so
 * that failed calls, retries and fallbacks are counted too (docs/providers.md).
 */
import type { StageUsage } from '@mpp/schemas';
import { currentUsageMeter } from '@mpp/resilience';

export interface TokenPrices {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
}

export function perCallUsage(provider: string, perCallUsd: number): StageUsage {
  currentUsageMeter()?.addCost({ usd: perCallUsd });
  return { calls: { [provider]: 1 }, estimated_cost_usd: round6(perCallUsd) };
}

export function tokenUsage(provider: string, inputTokens: number, outputTokens: number, prices: TokenPrices): StageUsage {
  const cost = (inputTokens * prices.inputPerMTokUsd + outputTokens * prices.outputPerMTokUsd) / 1_000_000;
  currentUsageMeter()?.addCost({ inputTokens, outputTokens, usd: cost });
  return { calls: { [provider]: 1 }, input_tokens: inputTokens, output_tokens: outputTokens, estimated_cost_usd: round6(cost) };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
