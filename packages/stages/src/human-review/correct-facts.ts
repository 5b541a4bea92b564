/**
 * A reviewer's facts replace stage E's, and the graph follows them: a fact is about a node of
 * the graph, so its subject must name one, and the values it states live in the graph too.
 *
 * - Subjects: a node id (`segment:AB`), the object as the text writes it (`AB`, `m\widehat{CZ}`),
 *   or a name or label only one node has; the stored fact carries the node id. The relation must suit the node (`measure_of`
 *   an arc, angle or segment; `equals` something measurable), by the graph's own edge rules.
 * - What the old facts put in the graph goes: the subject's `length` / `value` / `measure` prop,
 *   the `equals` / `measure_of` edge to the stated value and a value node left with no edges.
 * - What the new facts state comes in the way stage E writes it: an `equals` edge to the node
 *   the value names (`AB = CD`) or to a new expression node, a `measure_of` edge from one, and
 *   the subject's prop. Everything added has confidence 1 and provenance `{stage: 'E', ref: 'review'}`.
 * - Graph validation runs again; an issue the correction brought is refused with the rest.
 */
import type { GraphEdge, GraphNode, ReviewCorrections, SemanticGraphOutput } from '@mpp/schemas';
import { namedId } from '../alignment/entity-ids';
import { scanNames } from '../alignment/entity-patterns';
import { normaliseLatex } from '../alignment/text-chunks';
import { edgeAllowed } from '../semantic-graph/edge-rules';
import { graphStats, validateGraph } from '../semantic-graph/validation';
import type { CorrectionIssue } from './correction-issues';

type FactInput = NonNullable<ReviewCorrections['facts']>[number];
type Fact = SemanticGraphOutput['facts'][number];

const VALUE_PROPS = ['length', 'value', 'measure'] as const;
const BY_REVIEW = [{ stage: 'E' as const, ref: 'review' }];

/**
 * The node a subject names: its id; else the object it writes, read as the text is read
 * (`AB` a segment, `m\widehat{AB}` an arc, `\angle ABC` an angle, `\odot X` a circle); else the
 * one node whose name (id after the type) or label it is.
 */
export function resolveNode(nodes: readonly GraphNode[], subject: string): { node: GraphNode } | { candidates: GraphNode[] } {
  const wanted = subject.trim();
  const byId = (id: string) => nodes.find((n) => n.id === id);
  const exact = byId(wanted);
  if (exact) return { node: exact };
  const normalised = normaliseLatex(wanted, true).trim();
  const tokens = scanNames(normalised, true);
  const only = tokens.length === 1 && tokens[0]!.written.trim() === normalised ? tokens[0]! : undefined;
  const written = only ? byId(namedId(only.kind, only.letters)) : undefined;
  if (written) return { node: written };
  const candidates = nodes.filter((n) => n.id.slice(n.id.indexOf(':') + 1) === wanted || n.label === wanted);
  return candidates.length === 1 ? { node: candidates[0]! } : { candidates };
}

export function correctFacts(E: SemanticGraphOutput, inputs: readonly FactInput[], issues: CorrectionIssue[]): SemanticGraphOutput {
  const facts: Fact[] = [];
  inputs.forEach((input, i) => {
    const found = resolveNode(E.nodes, input.subject);
    if (!('node' in found)) {
      const field = `corrections.facts[${i}].subject`;
      const names = found.candidates.map((n) => n.id).join(', ');
      issues.push(found.candidates.length ? { field, message: `"${input.subject}" names several nodes (${names}); give the node id` } : { field, message: `the graph has no node "${input.subject}"; subjects are node ids such as ${exampleIds(E.nodes)}` });
      return;
    }
    const { node } = found;
    const fits = input.relation === 'measure_of' ? edgeAllowed('measure_of', 'expression', node.type) : edgeAllowed('equals', node.type, 'expression');
    if (!fits) {
      issues.push({ field: `corrections.facts[${i}].relation`, message: `a ${node.type} (${node.id}) cannot have a fact "${input.relation}"` });
      return;
    }
    facts.push({ ...input, subject: node.id, confidence: 1 });
  });
  if (facts.length < inputs.length) return E;

  const graph = withoutOldFacts(E);
  facts.forEach((fact, i) => addFact(graph, fact, i));
  const validation = validateGraph({ ...graph, facts, targets: E.targets });
  const before = new Set(E.validation.issues);
  for (const issue of validation.issues.filter((x) => !before.has(x))) issues.push({ field: 'corrections.facts', message: `the corrected graph fails validation: ${issue}` });
  const extra = Object.fromEntries(Object.entries(E.stats).filter(([key]) => !/^(nodes|edges|facts|targets)(\.|$)/.test(key)));
  return { ...E, nodes: graph.nodes, edges: graph.edges, facts, validation, stats: graphStats({ ...graph, facts, targets: E.targets }, extra) };
}

interface MutableGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The graph without what E's facts put in it: their value edges, orphaned value nodes, value props. */
function withoutOldFacts(E: SemanticGraphOutput): MutableGraph {
  const subjects = new Set(E.facts.map((f) => f.subject));
  const valueEdge = (e: GraphEdge) => (e.type === 'equals' || e.type === 'measure_of') && E.facts.some((f) => (e.from === f.subject && statesValue(E.nodes, e.to, f)) || (e.to === f.subject && statesValue(E.nodes, e.from, f)));
  const edges = E.edges.filter((e) => !valueEdge(e));
  const linked = new Set(edges.flatMap((e) => [e.from, e.to]));
  const dropped = new Set(E.edges.filter(valueEdge).flatMap((e) => [e.from, e.to]));
  const nodes = E.nodes
    .filter((n) => !(n.type === 'expression' && dropped.has(n.id) && !linked.has(n.id) && !subjects.has(n.id)))
    .map((n) => (subjects.has(n.id) ? { ...n, props: Object.fromEntries(Object.entries(n.props).filter(([k]) => !(VALUE_PROPS as readonly string[]).includes(k))) } : n));
  return { nodes, edges };
}

/** Whether node `id` is the value fact `f` states: the node it names, or an expression of that value. */
function statesValue(nodes: readonly GraphNode[], id: string, f: Fact): boolean {
  const node = nodes.find((n) => n.id === id);
  if (!node) return false;
  const value = String(f.value);
  if (node.type === 'expression' || node.type === 'variable') return [node.label, node.props.latex, node.props.value].some((v) => v !== undefined && String(v) === value) || node.id === `variable:${value}`;
  return node.id.slice(node.id.indexOf(':') + 1) === value;
}

function addFact(graph: MutableGraph, fact: Fact, i: number): void {
  const subject = graph.nodes.find((n) => n.id === fact.subject)!;
  const named = typeof fact.value === 'string' && fact.relation === 'equals' ? resolveNode(graph.nodes, fact.value) : undefined;
  const other = named && 'node' in named && named.node.id !== subject.id && edgeAllowed('equals', subject.type, named.node.type) ? named.node : undefined;
  if (other) {
    addEdge(graph, 'equals', subject.id, other.id);
    return;
  }
  const valueId = `expression:review-${i + 1}`;
  graph.nodes.push({ id: valueId, type: 'expression', label: String(fact.value), props: { latex: String(fact.value), ...(typeof fact.value === 'number' ? { value: fact.value } : {}) }, confidence: 1, provenance: BY_REVIEW });
  if (fact.relation === 'measure_of') addEdge(graph, 'measure_of', valueId, subject.id);
  else addEdge(graph, 'equals', subject.id, valueId);
  const prop = fact.relation === 'measure_of' ? 'measure' : subject.type === 'segment' ? 'length' : 'value';
  const index = graph.nodes.indexOf(subject);
  graph.nodes[index] = { ...subject, props: { ...subject.props, [prop]: fact.value } };
}

function addEdge(graph: MutableGraph, type: 'equals' | 'measure_of', from: string, to: string): void {
  const id = `${type}:${from}->${to}`;
  if (!graph.edges.some((e) => e.id === id)) graph.edges.push({ id, type, from, to, props: {}, confidence: 1, provenance: BY_REVIEW });
}

function exampleIds(nodes: readonly GraphNode[]): string {
  const measurable = nodes.filter((n) => ['segment', 'angle', 'arc', 'circle', 'variable'].includes(n.type)).slice(0, 6).map((n) => n.id);
  return measurable.length ? measurable.join(', ') : 'segment:AB or angle:ABC (this graph has none)';
}
