/**
 * Accumulates the graph while the text, the diagram and the alignment each add what they know.
 * Adding a node or edge that exists merges into it: provenance is unioned, props fill in what
 * was missing, and confidence combines per source stage: the best evidence from each stage,
 * then a noisy-or across stages, so one fact read by both B and C is surer than by either, but
 * ten mentions in the text are no surer than one.
 */
import type { GraphEdge, GraphNode, NODE_TYPES, EDGE_TYPES, SemanticGraphOutput } from '@mpp/schemas';

export type NodeType = (typeof NODE_TYPES)[number];
export type EdgeType = (typeof EDGE_TYPES)[number];
export type SourceStage = 'B' | 'C' | 'D' | 'E';
export type GraphFact = SemanticGraphOutput['facts'][number];

export interface Evidence {
  stage: SourceStage;
  ref?: string;
  confidence: number;
}

interface Entry<T> {
  item: T;
  evidence: Map<SourceStage, number>;
}

export interface NodeInput {
  label?: string;
  /** Replace an existing label (the text's spelling wins over a derived one). */
  preferLabel?: boolean;
  props?: Record<string, unknown>;
}

function combine(evidence: Map<SourceStage, number>): number {
  let miss = 1;
  for (const c of evidence.values()) miss *= 1 - Math.min(1, Math.max(0, c));
  return Math.round((1 - miss) * 1000) / 1000;
}

function addEvidence<T extends { provenance: Array<{ stage: SourceStage; ref?: string }> }>(entry: Entry<T>, e: Evidence): void {
  entry.evidence.set(e.stage, Math.max(entry.evidence.get(e.stage) ?? 0, e.confidence));
  if (!entry.item.provenance.some((p) => p.stage === e.stage && p.ref === e.ref)) {
    entry.item.provenance.push({ stage: e.stage, ...(e.ref !== undefined ? { ref: e.ref } : {}) });
  }
}

export class GraphBuilder {
  private readonly nodes = new Map<string, Entry<GraphNode>>();
  private readonly edges = new Map<string, Entry<GraphEdge>>();
  private readonly facts = new Map<string, GraphFact>();

  hasNode(id: string): boolean {
    return this.nodes.has(id);
  }

  nodeType(id: string): NodeType | undefined {
    return this.nodes.get(id)?.item.type;
  }

  nodeProps(id: string): Record<string, unknown> | undefined {
    return this.nodes.get(id)?.item.props;
  }

  nodeIds(type?: NodeType): string[] {
    return [...this.nodes.values()].filter((e) => type === undefined || e.item.type === type).map((e) => e.item.id);
  }

  addNode(id: string, type: NodeType, evidence: Evidence, input: NodeInput = {}): void {
    let entry = this.nodes.get(id);
    if (!entry) {
      entry = { item: { id, type, props: {}, confidence: 0, provenance: [] }, evidence: new Map() };
      this.nodes.set(id, entry);
    }
    const node = entry.item;
    if (input.label !== undefined && (node.label === undefined || input.preferLabel)) node.label = input.label;
    for (const [key, value] of Object.entries(input.props ?? {})) {
      if (value !== undefined && !(key in node.props)) node.props[key] = value;
    }
    addEvidence(entry, evidence);
  }

  /** Sets a prop even when present (values read from statements override derived ones). */
  setNodeProp(id: string, key: string, value: unknown): void {
    const node = this.nodes.get(id)?.item;
    if (node) node.props[key] = value;
  }

  addEdge(type: EdgeType, from: string, to: string, evidence: Evidence, props: Record<string, unknown> = {}): string {
    const id = `${type}:${from}->${to}`;
    let entry = this.edges.get(id);
    if (!entry) {
      entry = { item: { id, type, from, to, props: {}, confidence: 0, provenance: [] }, evidence: new Map() };
      this.edges.set(id, entry);
    }
    for (const [key, value] of Object.entries(props)) {
      if (value !== undefined && !(key in entry.item.props)) entry.item.props[key] = value;
    }
    addEvidence(entry, evidence);
    return id;
  }

  hasEdge(type: EdgeType, from: string, to: string): boolean {
    return this.edges.has(`${type}:${from}->${to}`);
  }

  /** One fact per statement and subject; a second reading keeps the surer one. */
  addFact(fact: GraphFact): void {
    const key = `${fact.subject}|${fact.relation}|${String(fact.value)}`;
    const existing = this.facts.get(key);
    if (!existing || existing.confidence < fact.confidence) this.facts.set(key, fact);
  }

  build(): { nodes: GraphNode[]; edges: GraphEdge[]; facts: GraphFact[] } {
    const finish = <T extends { confidence: number }>(entry: Entry<T>): T => ({ ...entry.item, confidence: combine(entry.evidence) });
    return {
      nodes: [...this.nodes.values()].map(finish),
      edges: [...this.edges.values()].map(finish),
      facts: [...this.facts.values()],
    };
  }
}
