/**
 * Checks a finished graph: references to nodes that do not exist (from edges, facts, targets),
 * duplicate node ids and duplicate edges, self-loops, and edges that break the type rules of
 * edge-rules.ts. Each issue is a string opening with its code, e.g.
 * `dangling_reference: edge lies_on:point:Q->segment:AB names missing node point:Q`.
 */
import type { GraphEdge, GraphNode } from '@mpp/schemas';
import { edgeAllowed } from './edge-rules';
import type { GraphFact } from './graph-builder';

export interface GraphToValidate {
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
  facts: readonly GraphFact[];
  targets: readonly string[];
}

export function validateGraph(graph: GraphToValidate): { valid: boolean; issues: string[] } {
  const issues: string[] = [];
  const types = new Map<string, GraphNode['type']>();
  for (const n of graph.nodes) {
    if (types.has(n.id)) issues.push(`duplicate_node: ${n.id} appears more than once`);
    types.set(n.id, n.type);
  }
  const edgeIds = new Set<string>();
  const edgeKeys = new Set<string>();
  for (const e of graph.edges) {
    const key = `${e.type}|${e.from}|${e.to}`;
    if (edgeIds.has(e.id)) issues.push(`duplicate_edge: edge id ${e.id} appears more than once`);
    else if (edgeKeys.has(key)) issues.push(`duplicate_edge: ${e.type} from ${e.from} to ${e.to} appears more than once`);
    edgeIds.add(e.id);
    edgeKeys.add(key);
    const from = types.get(e.from);
    const to = types.get(e.to);
    for (const [end, type] of [[e.from, from], [e.to, to]] as const) {
      if (type === undefined) issues.push(`dangling_reference: edge ${e.id} names missing node ${end}`);
    }
    if (e.from === e.to) issues.push(`self_loop: edge ${e.id} joins ${e.from} to itself`);
    if (from !== undefined && to !== undefined && !edgeAllowed(e.type, from, to)) {
      issues.push(`edge_type_rule: ${e.type} may not go from ${from} to ${to} (edge ${e.id})`);
    }
  }
  for (const f of graph.facts) {
    if (!types.has(f.subject)) issues.push(`dangling_reference: fact "${f.statement}" is about missing node ${f.subject}`);
  }
  for (const t of graph.targets) {
    if (!types.has(t)) issues.push(`dangling_reference: target ${t} is not a node`);
  }
  return { valid: issues.length === 0, issues };
}

/** Counts by node and edge type, plus totals. */
export function graphStats(graph: GraphToValidate, extra: Record<string, number> = {}): Record<string, number> {
  const stats: Record<string, number> = { nodes: graph.nodes.length, edges: graph.edges.length, facts: graph.facts.length, targets: graph.targets.length };
  for (const n of graph.nodes) stats[`nodes.${n.type}`] = (stats[`nodes.${n.type}`] ?? 0) + 1;
  for (const e of graph.edges) stats[`edges.${e.type}`] = (stats[`edges.${e.type}`] ?? 0) + 1;
  return { ...stats, ...extra };
}
