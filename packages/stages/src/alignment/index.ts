/**
 * Stage D (`alignment`): ties text entities (point labels, named segments, circles, arcs, angles,
 * values) to the diagram's elements and reports where they disagree. Built in, no provider.
 */
import type { StageFn } from '../context';
import { alignTextWithDiagram } from './align';
import { resolveAlignmentConfig } from './config';

export const alignmentStage: StageFn<'D'> = async (input, ctx) => {
  const started = performance.now();
  const result = alignTextWithDiagram(input.B, input.C, resolveAlignmentConfig(ctx));
  ctx.logger.debug({ pairs: result.pairs.length, inconsistencies: result.inconsistencies.length, score: result.alignment_score }, 'alignment done');
  return { provider: 'builtin', ...result, duration_ms: Math.round(performance.now() - started) };
};

export { alignTextWithDiagram } from './align';
export { resolveAlignmentConfig, DEFAULT_ALIGNMENT_CONFIG, type AlignmentConfig, type AlignmentEngineConfig } from './config';
export { analyseText, type TextAnalysis, type TextStatement, type Mention } from './text-analysis';
export { indexDiagram, emptyDiagramIndex, type DiagramIndex } from './diagram-index';
export { namedId, parseNamedId, canonicalName } from './entity-ids';
