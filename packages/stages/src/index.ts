/**
 * @mpp/stages: the eight stages as plain typed functions, and the handler map the worker uses.
 * A stage missing from `STAGE_HANDLERS` does not compile.
 */
import type { StageHandlers } from './context';
import { ingestionStage } from './ingestion';
import { textParseStage } from './text-parse';
import { visionParseStage } from './vision-parse';
import { alignmentStage } from './alignment';
import { semanticGraphStage } from './semantic-graph';
import { regenerationStage } from './regeneration';
import { humanReviewStage } from './human-review';
import { exportStage } from './export';

export * from './context';
export * from './provider-chain';
export { applyReviewCorrections, ReviewCorrectionError, type CorrectableOutputs, type CorrectedOutputs, type CorrectionIssue } from './human-review';
export { ingestionStage, textParseStage, visionParseStage, alignmentStage, semanticGraphStage, regenerationStage, humanReviewStage, exportStage };

export const STAGE_HANDLERS: StageHandlers = {
  A: ingestionStage,
  B: textParseStage,
  C: visionParseStage,
  D: alignmentStage,
  E: semanticGraphStage,
  F: regenerationStage,
  G: humanReviewStage,
  H: exportStage,
};
// MathJax conversions, for the API's Mathpix-compatible `data` entries (mathml, svg).
export { texToMathml, texToSvg, type MathmlRendering, type TexRendering } from './regeneration';
