/**
 * Which node types each edge type may join, from -> to. The graph builder orients edges by these
 * rules (a vision relation "circle lies_on point" is turned around), and validation reports any
 * edge that breaks them.
 */
import { NODE_TYPES } from '@mpp/schemas';
import type { EdgeType, NodeType } from './graph-builder';

const LINEAR: readonly NodeType[] = ['segment', 'line', 'ray', 'axis'];
const CARRIERS: readonly NodeType[] = ['segment', 'line', 'ray', 'circle', 'arc', 'curve', 'polygon', 'axis'];
const MEASURABLE: readonly NodeType[] = ['segment', 'angle', 'arc', 'circle', 'variable', 'expression', 'equation'];

export const EDGE_RULES: Record<EdgeType, { from: readonly NodeType[]; to: readonly NodeType[] }> = {
  lies_on: { from: ['point', 'segment', 'arc'], to: CARRIERS },
  labels: { from: ['label'], to: NODE_TYPES.filter((t) => t !== 'label') },
  endpoint_of: { from: ['point'], to: ['segment', 'ray', 'arc'] },
  center_of: { from: ['point'], to: ['circle', 'arc'] },
  intersects: { from: CARRIERS, to: CARRIERS },
  parallel_to: { from: LINEAR, to: LINEAR },
  perpendicular_to: { from: LINEAR, to: LINEAR },
  equals: { from: MEASURABLE, to: MEASURABLE },
  measure_of: { from: ['expression', 'variable'], to: ['arc', 'angle', 'segment'] },
  graph_of: { from: ['curve', 'segment', 'line', 'ray'], to: ['equation', 'expression'] },
};

export function edgeAllowed(type: EdgeType, from: NodeType, to: NodeType): boolean {
  const rule = EDGE_RULES[type];
  return rule.from.includes(from) && rule.to.includes(to);
}

/** Vision's relation names (free text) mapped to edge types; undefined when there is none. */
export function edgeTypeOfRelation(relation: string): EdgeType | undefined {
  const key = relation.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const table: Record<string, EdgeType> = {
    lies_on: 'lies_on', on: 'lies_on', point_on: 'lies_on', lies_on_line: 'lies_on', lies_on_circle: 'lies_on', on_line: 'lies_on', on_circle: 'lies_on',
    labels: 'labels', label_of: 'labels', labelled: 'labels', labeled: 'labels',
    endpoint_of: 'endpoint_of', endpoint: 'endpoint_of', end_of: 'endpoint_of',
    center_of: 'center_of', centre_of: 'center_of', center: 'center_of', centre: 'center_of',
    intersects: 'intersects', intersect: 'intersects', intersection: 'intersects', crosses: 'intersects',
    parallel: 'parallel_to', parallel_to: 'parallel_to',
    perpendicular: 'perpendicular_to', perpendicular_to: 'perpendicular_to', right_angle: 'perpendicular_to',
    equals: 'equals', equal: 'equals', equal_length: 'equals', congruent: 'equals', congruent_to: 'equals',
    measure_of: 'measure_of', measures: 'measure_of',
    graph_of: 'graph_of', plots: 'graph_of',
  };
  return table[key];
}
