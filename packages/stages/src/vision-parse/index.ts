/**
 * Stage C, vision_parse: layout regions and, for diagrams, their geometric elements and
 * relations, from the first vision provider in the chain that answers (the job's
 * `options.providers.C` may reorder or restrict the chain). A provider's answer is checked
 * against the stage schema before it is accepted, so a malformed answer counts as a failure and
 * the next provider is tried; element ids must be unique and relations must point at elements.
 */
import { VisionParseOutput } from '@mpp/schemas';
import type { StageFn, VisionProvider, VisionResult } from '../context';
import { runProviderChain } from '../provider-chain';

export { AllProvidersFailedError } from '../provider-chain';

/** The stage output without the fields the stage itself fills in. */
const ProviderVisionResult = VisionParseOutput.omit({ provider: true, duration_ms: true, fallback_reason: true });

/** A provider answered with something that is not a vision_parse result. */
export class InvalidVisionResultError extends Error {
  override readonly name = 'InvalidVisionResultError';
  readonly code = 'invalid_provider_result' as const;
  constructor(readonly provider: string, readonly issues: string) {
    super(`${provider} returned an invalid vision result: ${issues}`);
  }
}

/** Problems the schema cannot see: duplicate ids, relations or elements pointing nowhere. */
function referenceIssues(result: VisionResult): string[] {
  const issues: string[] = [];
  const ids = new Set<string>();
  for (const e of result.elements) {
    if (ids.has(e.id)) issues.push(`elements: duplicate id ${e.id}`);
    ids.add(e.id);
  }
  const regionIds = new Set(result.regions.map((r) => r.id));
  for (const e of result.elements) {
    if (e.region_id !== undefined && !regionIds.has(e.region_id)) issues.push(`elements.${e.id}: unknown region ${e.region_id}`);
  }
  for (const r of result.relations) {
    if (!ids.has(r.from) || !ids.has(r.to)) issues.push(`relations: ${r.type} ${r.from} -> ${r.to} names an unknown element`);
  }
  return issues;
}

async function analyseWith(provider: VisionProvider, image: Buffer, signal: AbortSignal): Promise<VisionResult> {
  // C runs beside B, so there are no text lines to hint with; providers rely on their own layout.
  const answer = await provider.analyse(image, { signal });
  const checked = ProviderVisionResult.safeParse(answer);
  const issues = checked.success
    ? referenceIssues(checked.data)
    : checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (!checked.success || issues.length > 0) throw new InvalidVisionResultError(provider.name, issues.slice(0, 3).join('; '));
  return checked.data;
}

export const visionParseStage: StageFn<'C'> = async (_input, ctx): Promise<VisionParseOutput> => {
  const startedAt = performance.now();
  const image = await ctx.loadImage();
  ctx.signal.throwIfAborted();
  const { result, provider, fallback_reason } = await runProviderChain(
    ctx.providers.vision,
    ctx.options.providers?.C,
    (p) => analyseWith(p, image, ctx.signal),
    { signal: ctx.signal, logger: ctx.logger },
  );
  ctx.logger.debug(
    { provider, diagram_type: result.diagram_type, regions: result.regions.length, elements: result.elements.length, confidence: result.confidence },
    'vision parsed',
  );
  return {
    ...result,
    provider,
    ...(fallback_reason !== undefined ? { fallback_reason } : {}),
    duration_ms: Math.round(performance.now() - startedAt),
  };
};
