/**
 * What the diagram says, as sections of lines made of prose and math pieces, in the order people
 * read a problem: the figure's objects, the given facts, how objects relate, what to find. The
 * Markdown, HTML and DOCX exports each render the same summary in their own syntax, so they never
 * disagree about the content.
 */
import type { GraphNode, SemanticGraphOutput } from '@mpp/schemas';
import { objectLatex, quantityLatex } from './node-latex';

export type Piece = { text: string; math?: undefined } | { math: string; text?: undefined };
export type Line = Piece[];
export interface Section {
  title: string;
  lines: Line[];
}

const t = (text: string): Piece => ({ text });
const m = (math: string): Piece => ({ math });

/** Named nodes of a type, in alphabetical order of their ids. */
function named(nodes: readonly GraphNode[], type: GraphNode['type']): GraphNode[] {
  return nodes.filter((n) => n.type === type && !n.id.includes('#')).sort((a, b) => a.id.localeCompare(b.id));
}

/** `[a, ", ", b, ", ", c]`. */
function joined(pieces: Piece[]): Piece[] {
  return pieces.flatMap((p, i) => (i === 0 ? [p] : [t(', '), p]));
}

function objectLines(graph: SemanticGraphOutput): Line[] {
  const lines: Line[] = [];
  const points = named(graph.nodes, 'point');
  if (points.length > 0) lines.push([t('Points: '), ...joined(points.map((p) => m(p.label ?? p.id.slice(6))))]);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const circle of named(graph.nodes, 'circle')) {
    const centre = graph.edges.find((e) => e.type === 'center_of' && e.to === circle.id);
    const centreNode = centre ? byId.get(centre.from) : undefined;
    lines.push([t('Circle '), m(objectLatex(circle)), ...(centreNode ? [t(' with centre '), m(centreNode.label ?? '')] : [])]);
  }
  const groups: Array<[string, GraphNode['type']]> = [['Segments', 'segment'], ['Lines', 'line'], ['Rays', 'ray'], ['Arcs', 'arc'], ['Angles', 'angle'], ['Polygons', 'polygon']];
  for (const [title, type] of groups) {
    const nodes = named(graph.nodes, type);
    if (nodes.length > 0) lines.push([t(`${title}: `), ...joined(nodes.map((n) => m(objectLatex(n))))]);
  }
  return lines;
}

const RELATION_WORDS: Partial<Record<SemanticGraphOutput['edges'][number]['type'], string>> = {
  lies_on: 'lies on',
  intersects: 'intersects',
  parallel_to: 'is parallel to',
  perpendicular_to: 'is perpendicular to',
};

function relationLines(graph: SemanticGraphOutput): Line[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: Line[] = [];
  for (const edge of graph.edges) {
    const words = RELATION_WORDS[edge.type];
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (!words || !from || !to || from.id.includes('#') || to.id.includes('#')) continue;
    lines.push([m(objectLatex(from)), t(` ${words} `), m(objectLatex(to))]);
  }
  return lines;
}

export function problemSummary(graph: SemanticGraphOutput): Section[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const targets = graph.targets.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
  const sections: Section[] = [
    { title: 'Figure', lines: objectLines(graph) },
    { title: 'Given', lines: graph.facts.map((f) => [m(f.statement)]) },
    { title: 'Relations', lines: relationLines(graph) },
    { title: 'Find', lines: targets.map((n) => [m(quantityLatex(n))]) },
  ];
  return sections.filter((s) => s.lines.length > 0);
}
