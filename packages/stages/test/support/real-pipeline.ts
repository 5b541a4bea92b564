/**
 * Runs the real stages A-G on an image file, in process, with the real local providers
 * (tesseract.js with the shipped `eng` data, the connected-component geometry reader): the same
 * functions the workers run, without the queue. Tests call it once per file in `beforeAll` and
 * assert on what the pipeline really produced, not on hand-built upstream outputs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalProviders, type LocalProviders } from '@mpp/providers';
import type { StageInputs } from '@mpp/schemas';
import { alignmentStage } from '../../src/alignment';
import { humanReviewStage } from '../../src/human-review';
import { ingestionStage } from '../../src/ingestion';
import { regenerationStage } from '../../src/regeneration';
import { semanticGraphStage } from '../../src/semantic-graph';
import { textParseStage } from '../../src/text-parse';
import { visionParseStage } from '../../src/vision-parse';
import { downstreamContext, type DownstreamContext } from './downstream-context';

export const FIXTURES = path.join(__dirname, '../../../../test/fixtures');

export type PipelineOutputs = Required<StageInputs<'H'>>;

let shared: LocalProviders | undefined;

/** One tesseract engine for the whole test file; `closeRealProviders` in `afterAll`. */
export function realProviders(): LocalProviders {
  shared ??= createLocalProviders();
  return shared;
}

export async function closeRealProviders(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

/** A context whose blobs hold the file and whose providers are the real local ones. */
export async function realContext(file: string, options: Parameters<typeof downstreamContext>[0] = {}): Promise<DownstreamContext & { originalRef: string }> {
  const base = downstreamContext(options);
  const originalRef = await base.blobs.put(readFileSync(file));
  return { ...base, providers: realProviders().providers, originalRef };
}

/** A to G on `file` (relative to test/fixtures or absolute). */
export async function runRealPipeline(file: string, options: Parameters<typeof downstreamContext>[0] = {}): Promise<{ outputs: PipelineOutputs; ctx: DownstreamContext }> {
  const absolute = path.isAbsolute(file) ? file : path.join(FIXTURES, file);
  const start = await realContext(absolute, options);
  const A = await ingestionStage({ original_ref: start.originalRef }, start);
  const normalised = await start.blobs.get(A.image_ref);
  const ctx: DownstreamContext = { ...start, loadImage: async () => normalised };
  const [B, C] = await Promise.all([textParseStage({ A }, ctx), visionParseStage({ A }, ctx)]);
  const D = await alignmentStage({ B, C }, ctx);
  const E = await semanticGraphStage({ B, C, D }, ctx);
  const F = await regenerationStage({ A, B, C, E }, ctx);
  const G = await humanReviewStage({ B, C, D, E, F }, ctx);
  return { outputs: { A, B, C, D, E, F, G }, ctx };
}
