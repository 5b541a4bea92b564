/**
 * Stage B, text_parse: the text of the image with its formulas, from the first text provider in
 * the chain that answers (the job's `options.providers.B` may reorder or restrict the chain). A
 * provider's answer is checked against the stage schema before it is accepted, so a provider
 * that returns a malformed answer counts as failed and the next one is tried.
 */
import { TextParseOutput } from '@mpp/schemas';
import type { StageFn, TextProvider, TextResult } from '../context';
import { checkProviderAnswer, runProviderStage } from '../provider-chain';

export { AllProvidersFailedError, InvalidProviderResultError } from '../provider-chain';

/** The stage output without the fields the stage itself fills in. */
const ProviderTextResult = TextParseOutput.omit({ provider: true, duration_ms: true, fallback_reason: true });

async function parseWith(provider: TextProvider, image: Buffer, signal: AbortSignal): Promise<TextResult> {
  // B runs beside C, so there is no layout to hint with; providers rely on their own analysis.
  return checkProviderAnswer(ProviderTextResult, await provider.parse(image, { signal }), provider.name, 'text');
}

export const textParseStage: StageFn<'B'> = async (_input, ctx): Promise<TextParseOutput> => {
  const out = await runProviderStage(ctx, ctx.providers.text, ctx.options.providers?.B, (p, image) => parseWith(p, image, ctx.signal));
  ctx.logger.debug({ provider: out.provider, lines: out.lines.length, formulas: out.formulas.length, confidence: out.confidence }, 'text parsed');
  return out;
};
