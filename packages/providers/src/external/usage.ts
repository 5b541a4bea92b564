/** The usage an external answer adds to the job's result (calls, tokens, estimated USD). */
import type { StageUsage } from '@mpp/schemas';

export interface TokenPrices {
  inputPerMTokUsd: number;
  outputPerMTokUsd: number;
}

export function perCallUsage(provider: string, perCallUsd: number): StageUsage {
  return { calls: { [provider]: 1 }, estimated_cost_usd: round6(perCallUsd) };
}

export function tokenUsage(provider: string, inputTokens: number, outputTokens: number, prices: TokenPrices): StageUsage {
  const cost = (inputTokens * prices.inputPerMTokUsd + outputTokens * prices.outputPerMTokUsd) / 1_000_000;
  return { calls: { [provider]: 1 }, input_tokens: inputTokens, output_tokens: outputTokens, estimated_cost_usd: round6(cost) };
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
