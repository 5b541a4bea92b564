/**
 * Stage E (`semantic_graph`): the problem as a graph of points, segments, circles, arcs, angles,
 * labels, values and equations, with the facts it states and the targets it asks for. Built in.
 */
import type { StageFn } from '../context';
import { buildSemanticGraph } from './build-graph';

export const semanticGraphStage: StageFn<'E'> = async (input, ctx) => {
  const started = performance.now();
  const result = buildSemanticGraph({ text: input.B, vision: input.C, alignment: input.D });
  if (!result.validation.valid) ctx.logger.warn({ issues: result.validation.issues.slice(0, 10) }, 'semantic graph has validation issues');
  return { provider: 'builtin', ...result, duration_ms: Math.round(performance.now() - started) };
};

export { buildSemanticGraph, type GraphInputs, type SemanticGraphResult } from './build-graph';
export { validateGraph, graphStats } from './validation';
export { EDGE_RULES, edgeAllowed } from './edge-rules';
