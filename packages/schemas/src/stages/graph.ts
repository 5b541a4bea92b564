/** Stage E output: the semantic graph of the problem. */
import { z } from 'zod';
import { Confidence, StageMeta } from '../common';

export const NODE_TYPES = ['point', 'segment', 'line', 'ray', 'circle', 'arc', 'angle', 'polygon', 'equation', 'expression', 'variable', 'label', 'axis', 'curve'] as const;
export const EDGE_TYPES = ['lies_on', 'labels', 'endpoint_of', 'center_of', 'intersects', 'parallel_to', 'perpendicular_to', 'equals', 'measure_of', 'graph_of'] as const;

export const Provenance = z.object({
  stage: z.enum(['B', 'C', 'D', 'E']),
  ref: z.string().optional(),
});

export const GraphNode = z.object({
  id: z.string(),
  type: z.enum(NODE_TYPES),
  label: z.string().optional(),
  /** Free properties: coordinates, radius, measure, latex... */
  props: z.record(z.string(), z.unknown()).default({}),
  confidence: Confidence,
  provenance: z.array(Provenance).default([]),
});
export type GraphNode = z.infer<typeof GraphNode>;

export const GraphEdge = z.object({
  id: z.string(),
  type: z.enum(EDGE_TYPES),
  from: z.string(),
  to: z.string(),
  props: z.record(z.string(), z.unknown()).default({}),
  confidence: Confidence,
  provenance: z.array(Provenance).default([]),
});
export type GraphEdge = z.infer<typeof GraphEdge>;

export const GraphFact = z.object({
  /** Human-readable statement, e.g. `AB = 30`. */
  statement: z.string(),
  subject: z.string(),
  relation: z.enum(['equals', 'measure_of']),
  value: z.union([z.number(), z.string()]),
  confidence: Confidence,
});

export const SemanticGraphOutput = StageMeta.extend({
  nodes: z.array(GraphNode),
  edges: z.array(GraphEdge),
  facts: z.array(GraphFact).default([]),
  /** What the problem asks for (node ids or expressions). */
  targets: z.array(z.string()).default([]),
  validation: z.object({
    valid: z.boolean(),
    issues: z.array(z.string()),
  }),
  stats: z.record(z.string(), z.number()).default({}),
});
export type SemanticGraphOutput = z.infer<typeof SemanticGraphOutput>;
