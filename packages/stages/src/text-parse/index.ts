/**
 * Stage B, text_parse: the text of the image with its formulas, from the first text provider in
 * the chain that answers (the job's `options.providers.B` may reorder or restrict the chain). A
 * provider's answer is checked against the stage schema before it is accepted, so a provider
 * that returns a malformed answer counts as failed and the next one is tried.
 */
import { TextParseOutput } from '@mpp/schemas';
import type { StageFn, TextProvider, TextResult } from '../context';
import { runProviderChain } from '../provider-chain';

export { AllProvidersFailedError } from '../provider-chain';

/** The stage output without the fields the stage itself fills in. */
const ProviderTextResult = TextParseOutput.omit({ provider: true, duration_ms: true, fallback_reason: true });

/** A provider answered with something that is not a text_parse result. */
export class InvalidProviderResultError extends Error {
  override readonly name = 'InvalidProviderResultError';
  readonly code = 'invalid_provider_result' as const;
  constructor(readonly provider: string, readonly issues: string) {
    super(`${provider} returned an invalid text result: ${issues}`);
  }
}

async function parseWith(provider: TextProvider, image: Buffer, signal: AbortSignal): Promise<TextResult> {
  // B runs beside C, so there is no layout to hint with; providers rely on their own analysis.
  const answer = await provider.parse(image, { signal });
  const checked = ProviderTextResult.safeParse(answer);
  if (!checked.success) {
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidProviderResultError(provider.name, issues);
  }
  return checked.data;
}

export const textParseStage: StageFn<'B'> = async (_input, ctx): Promise<TextParseOutput> => {
  const startedAt = performance.now();
  const image = await ctx.loadImage();
  ctx.signal.throwIfAborted();
  const { result, provider, fallback_reason } = await runProviderChain(
    ctx.providers.text,
    ctx.options.providers?.B,
    (p) => parseWith(p, image, ctx.signal),
    { signal: ctx.signal, logger: ctx.logger },
  );
  ctx.logger.debug({ provider, lines: result.lines.length, formulas: result.formulas.length, confidence: result.confidence }, 'text parsed');
  return {
    ...result,
    provider,
    ...(fallback_reason !== undefined ? { fallback_reason } : {}),
    duration_ms: Math.round(performance.now() - startedAt),
  };
};
