/**
 * The text's part of the graph, from stage B read by alignment's text analysis: every named
 * object as a node (with the spelling the text uses as its label), the incidences its name implies
 * (AB has ends A and B, ⊙X has centre X), each statement as a fact with an edge to a value node
 * (`AB = 30`: segment:AB equals expression 30; `m\widehat{CZ} = 40`: expression 40 is the measure
 * of arc:CZ), and standalone formulas as expression or equation nodes.
 */
import type { TextParseOutput } from '@mpp/schemas';
import { parseNamedId, type NamedKind } from '../alignment/entity-ids';
import { scanNames } from '../alignment/entity-patterns';
import { readStatements } from '../alignment/statements';
import { normaliseLatex } from '../alignment/text-chunks';
import type { Mention, TextAnalysis, TextStatement } from '../alignment/text-analysis';
import { edgeAllowed } from './edge-rules';
import type { EdgeType, GraphBuilder, NodeType } from './graph-builder';

const NODE_TYPE: Record<NamedKind, NodeType> = {
  point: 'point', segment: 'segment', line: 'line', ray: 'ray', circle: 'circle', arc: 'arc', angle: 'angle', polygon: 'polygon', variable: 'variable',
};

/** How much the reading of a name adds to B's own confidence: math markup is explicit, prose is guessed. */
const MATH_FACTOR = 0.9;
const PROSE_FACTOR = 0.8;

function addEdgeIfAllowed(graph: GraphBuilder, type: EdgeType, from: string, to: string, confidence: number, ref: string): void {
  const fromType = graph.nodeType(from);
  const toType = graph.nodeType(to);
  if (fromType && toType && edgeAllowed(type, fromType, toType)) graph.addEdge(type, from, to, { stage: 'B', ref, confidence });
}

function addNamedObjects(graph: GraphBuilder, mentions: readonly Mention[], base: number): void {
  const groups = new Map<string, Mention[]>();
  for (const m of mentions) groups.set(m.entityId, [...(groups.get(m.entityId) ?? []), m]);
  // Points first, so the edges of the objects named after them find their ends.
  const ordered = [...groups.values()].sort((a, b) => Number(a[0]?.kind !== 'point') - Number(b[0]?.kind !== 'point'));
  for (const group of ordered) {
    const first = group.find((m) => m.standalone) ?? group[0];
    if (!first) continue;
    const confidence = base * Math.max(...group.map((m) => (m.inMath ? MATH_FACTOR : PROSE_FACTOR)));
    const props: Record<string, unknown> = { latex: first.written };
    if (group.some((m) => m.measured)) props.measured = true;
    if (first.kind === 'angle') props.vertex = first.name.length === 3 ? first.name[1] : first.name;
    if (first.kind === 'polygon') props.vertices = [...first.letters];
    graph.addNode(first.entityId, NODE_TYPE[first.kind], { stage: 'B', ref: first.written, confidence }, { label: first.letters, preferLabel: true, props });
  }
  for (const group of ordered) {
    const first = group.find((m) => m.standalone) ?? group[0];
    if (first) addImpliedEdges(graph, first, base * (first.inMath ? MATH_FACTOR : PROSE_FACTOR));
  }
}

/** Incidences a name implies by itself. */
function addImpliedEdges(graph: GraphBuilder, m: Mention, confidence: number): void {
  const letters = [...m.letters];
  const point = (n: string | undefined) => `point:${n ?? ''}`;
  const ref = m.written;
  switch (m.kind) {
    case 'segment':
      for (const l of letters) addEdgeIfAllowed(graph, 'endpoint_of', point(l), m.entityId, confidence, ref);
      break;
    case 'ray':
      addEdgeIfAllowed(graph, 'endpoint_of', point(letters[0]), m.entityId, confidence, ref);
      addEdgeIfAllowed(graph, 'lies_on', point(letters[1]), m.entityId, confidence, ref);
      break;
    case 'line':
      for (const l of letters) addEdgeIfAllowed(graph, 'lies_on', point(l), m.entityId, confidence, ref);
      break;
    case 'circle':
      addEdgeIfAllowed(graph, 'center_of', point(letters[0]), m.entityId, confidence, ref);
      break;
    case 'arc':
      addEdgeIfAllowed(graph, 'endpoint_of', point(letters[0]), m.entityId, confidence, ref);
      addEdgeIfAllowed(graph, 'endpoint_of', point(letters[letters.length - 1]), m.entityId, confidence, ref);
      if (letters.length === 3) addEdgeIfAllowed(graph, 'lies_on', point(letters[1]), m.entityId, confidence, ref);
      break;
    case 'point':
    case 'angle':
    case 'polygon':
    case 'variable':
      break;
  }
}

/** How a quantity is written in a fact: `AB`, `m\widehat{CZ}`, `m\angle ABC`, `x`. */
function quantityLatex(id: string, letters: string | undefined): string {
  const named = parseNamedId(id);
  const name = letters ?? named?.name ?? id;
  switch (named?.kind) {
    case 'arc': return `m\\widehat{${name}}`;
    case 'angle': return `m\\angle ${name}`;
    case 'circle': return `\\odot ${name}`;
    case 'polygon': return name.length === 3 ? `\\triangle ${name}` : name;
    default: return name;
  }
}

/** The statement in one spelling, whatever the source's (`m \widehat{C Z}=40`, `mCZ = 40`). */
function factStatement(s: TextStatement): string {
  if (!s.subjectId) return s.text;
  const subject = quantityLatex(s.subjectId, s.subjectLetters);
  if (s.otherId) return `${subject} = ${quantityLatex(s.otherId, s.otherLetters)}`;
  return `${subject} = ${s.value ?? s.expression ?? ''}`;
}

function addStatement(graph: GraphBuilder, s: TextStatement, confidence: number, nextValueNodeId: () => string): void {
  if (!s.subjectId || !graph.hasNode(s.subjectId)) {
    graph.addNode(s.id, 'equation', { stage: 'B', ref: s.text, confidence }, { label: s.text, props: { latex: s.text } });
    return;
  }
  const subject = s.subjectId;
  if (s.otherId && graph.hasNode(s.otherId)) {
    addEdgeIfAllowed(graph, 'equals', subject, s.otherId, confidence, s.text);
    const other = s.otherId.slice(s.otherId.indexOf(':') + 1);
    graph.addFact({ statement: factStatement(s), subject, relation: 'equals', value: other, confidence });
    return;
  }
  const value = s.value ?? s.expression ?? '';
  const valueNodeId = nextValueNodeId();
  graph.addNode(valueNodeId, 'expression', { stage: 'B', ref: s.text, confidence }, { label: String(value), props: { latex: String(value), ...(s.value !== undefined ? { value: s.value } : {}) } });
  if (s.measured) {
    addEdgeIfAllowed(graph, 'measure_of', valueNodeId, subject, confidence, s.text);
    graph.setNodeProp(subject, 'measure', value);
  } else {
    addEdgeIfAllowed(graph, 'equals', subject, valueNodeId, confidence, s.text);
    graph.setNodeProp(subject, parseNamedId(subject)?.kind === 'segment' ? 'length' : 'value', value);
  }
  graph.addFact({ statement: factStatement(s), subject, relation: s.measured ? 'measure_of' : 'equals', value, confidence });
}

/** Formulas that say more than the names in them: displayed ones, and inline ones without names. */
function addStandaloneFormulas(graph: GraphBuilder, text: TextParseOutput): void {
  text.formulas.forEach((f, i) => {
    const normalised = normaliseLatex(f.latex, true);
    const names = scanNames(normalised, true);
    if (readStatements(normalised, names).length > 0 || (!f.display && names.length > 0)) return;
    const type: NodeType = /(?<![<>!:\\])=/.test(normalised) ? 'equation' : 'expression';
    graph.addNode(`${type}:f${i + 1}`, type, { stage: 'B', ref: `formula ${i + 1}`, confidence: f.confidence }, { label: f.latex, props: { latex: f.latex, display: f.display } });
  });
}

export function addTextNodes(graph: GraphBuilder, analysis: TextAnalysis, text: TextParseOutput): void {
  addNamedObjects(graph, analysis.mentions, text.confidence);
  let expressions = 0;
  const nextValueNodeId = () => `expression:${++expressions}`;
  for (const s of [...analysis.statements].sort((a, b) => a.order - b.order)) {
    addStatement(graph, s, text.confidence * MATH_FACTOR, nextValueNodeId);
  }
  addStandaloneFormulas(graph, text);
}
