/** Stage outputs by id, and the inputs each stage receives (its needs' outputs, absent when skipped). */
import type { z } from 'zod';
import { STAGE_CATALOG, type StageId } from './catalog';
import { IngestionOutput } from './ingestion';
import { TextParseOutput } from './text';
import { VisionParseOutput } from './vision';
import { AlignmentOutput } from './alignment';
import { SemanticGraphOutput } from './graph';
import { RegenerationOutput } from './regeneration';
import { HumanReviewOutput } from './review';
import { ExportOutput } from './export';

export * from './catalog';
export * from './ingestion';
export * from './text';
export * from './vision';
export * from './alignment';
export * from './graph';
export * from './regeneration';
export * from './review';
export * from './export';

export const STAGE_OUTPUT_SCHEMAS = {
  A: IngestionOutput,
  B: TextParseOutput,
  C: VisionParseOutput,
  D: AlignmentOutput,
  E: SemanticGraphOutput,
  F: RegenerationOutput,
  G: HumanReviewOutput,
  H: ExportOutput,
} as const;

export type StageOutputs = { [K in StageId]: z.infer<(typeof STAGE_OUTPUT_SCHEMAS)[K]> };
export type StageNeeds<S extends StageId> = (typeof STAGE_CATALOG)[S]['needs'][number];
/** What stage S receives from upstream: each needed stage's output, or undefined when it was skipped. */
export type StageInputs<S extends StageId> = { [K in StageNeeds<S>]?: StageOutputs[K] };
