/**
 * Stage C, vision_parse: layout regions and, for diagrams, their geometric elements and
 * relations, from the first vision provider in the chain that answers (the job's
 * `options.providers.C` may reorder or restrict the chain). A provider's answer is checked
 * against the stage schema before it is accepted, so a malformed answer counts as a failure and
 * the next provider is tried; element ids must be unique and relations must point at elements.
 */
import { VisionParseOutput } from '@mpp/schemas';
import type { StageFn, VisionProvider, VisionResult } from '../context';
import { checkProviderAnswer, runProviderStage } from '../provider-chain';

export { AllProvidersFailedError, InvalidProviderResultError as InvalidVisionResultError } from '../provider-chain';

/** The stage output without the fields the stage itself fills in. */
const ProviderVisionResult = VisionParseOutput.omit({ provider: true, duration_ms: true, fallback_reason: true });

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
  return checkProviderAnswer(ProviderVisionResult, await provider.analyse(image, { signal }), provider.name, 'vision', referenceIssues);
}

export const visionParseStage: StageFn<'C'> = async (_input, ctx): Promise<VisionParseOutput> => {
  const out = await runProviderStage(ctx, ctx.providers.vision, ctx.options.providers?.C, (p, image) => analyseWith(p, image, ctx.signal));
  ctx.logger.debug(
    { provider: out.provider, diagram_type: out.diagram_type, regions: out.regions.length, elements: out.elements.length, confidence: out.confidence },
    'vision parsed',
  );
  return out;
};
