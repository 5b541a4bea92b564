/**
 * The `markdown` export, Mathpix-Markdown style: the recognised text as B wrote it (`$...$`
 * inline, `$$...$$` displayed), then what the diagram says (its objects, the facts stated about
 * them and how they relate) and what the problem asks for, then the review verdict when a person
 * must look. Sections without content are left out.
 */
import type { GraphNode, SemanticGraphOutput } from '@mpp/schemas';
import { objectLatex, quantityLatex } from './node-latex';
import type { ResultInputs } from './result-document';

const math = (latex: string) => `$${latex}$`;

/** Named nodes of a type, in alphabetical order of their ids. */
function named(nodes: readonly GraphNode[], type: GraphNode['type']): GraphNode[] {
  return nodes.filter((n) => n.type === type && !n.id.includes('#')).sort((a, b) => a.id.localeCompare(b.id));
}

function objectLines(graph: SemanticGraphOutput): string[] {
  const lines: string[] = [];
  const points = named(graph.nodes, 'point');
  if (points.length > 0) lines.push(`- Points: ${points.map((p) => math(p.label ?? p.id.slice(6))).join(', ')}`);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const circle of named(graph.nodes, 'circle')) {
    const centre = graph.edges.find((e) => e.type === 'center_of' && e.to === circle.id);
    const centreNode = centre ? byId.get(centre.from) : undefined;
    lines.push(`- Circle ${math(objectLatex(circle))}${centreNode ? ` with centre ${math(centreNode.label ?? '')}` : ''}`);
  }
  const groups: Array<[string, GraphNode['type']]> = [['Segments', 'segment'], ['Lines', 'line'], ['Rays', 'ray'], ['Arcs', 'arc'], ['Angles', 'angle'], ['Polygons', 'polygon']];
  for (const [title, type] of groups) {
    const nodes = named(graph.nodes, type);
    if (nodes.length > 0) lines.push(`- ${title}: ${nodes.map((n) => math(objectLatex(n))).join(', ')}`);
  }
  return lines;
}

const RELATION_WORDS: Partial<Record<SemanticGraphOutput['edges'][number]['type'], string>> = {
  lies_on: 'lies on',
  intersects: 'intersects',
  parallel_to: 'is parallel to',
  perpendicular_to: 'is perpendicular to',
};

function relationLines(graph: SemanticGraphOutput): string[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  for (const edge of graph.edges) {
    const words = RELATION_WORDS[edge.type];
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (!words || !from || !to || from.id.includes('#') || to.id.includes('#')) continue;
    lines.push(`- ${math(objectLatex(from))} ${words} ${math(objectLatex(to))}`);
  }
  return lines;
}

function diagramSection(graph: SemanticGraphOutput): string[] {
  const out: string[] = [];
  const objects = objectLines(graph);
  if (objects.length > 0) out.push('## Figure', '', ...objects, '');
  if (graph.facts.length > 0) out.push('## Given', '', ...graph.facts.map((f) => `- ${math(f.statement)}`), '');
  const relations = relationLines(graph);
  if (relations.length > 0) out.push('## Relations', '', ...relations, '');
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const targets = graph.targets.map((t) => byId.get(t)).filter((n): n is GraphNode => n !== undefined);
  if (targets.length > 0) out.push('## Find', '', ...targets.map((n) => `- ${math(quantityLatex(n))}`), '');
  return out;
}

export function markdownExport(inputs: ResultInputs, confidence: number): string {
  const out: string[] = [];
  const text = inputs.B?.text.trim();
  out.push(text && text.length > 0 ? text : '_No text was recognised._', '');
  if (inputs.E) out.push(...diagramSection(inputs.E));
  const review = inputs.G;
  if (review?.review_required) {
    out.push('## Review', '', `Needs review: confidence ${confidence.toFixed(2)} is below ${review.threshold}.`, '');
    for (const r of review.reasons) out.push(`- ${r.stage} \`${r.code}\`: ${r.message}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
