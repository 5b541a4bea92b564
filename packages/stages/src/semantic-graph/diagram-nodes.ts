/**
 * The diagram's part of the graph, from stage C read by name (alignment's diagram index): named
 * points, segments, circles, arcs, angle marks and labels as nodes; ends, incidences, centres,
 * crossings (at named points, and at unnamed ones from vision's relations) and labels as edges;
 * value labels as facts; and vision's own relations, oriented by the edge rules. Unnamed elements
 * get ids from their element id (`segment:#e7`, `point:#pt-5`).
 */
import type { DiagramElement, VisionParseOutput } from '@mpp/schemas';
import { namedId } from '../alignment/entity-ids';
import type { DiagramIndex } from '../alignment/diagram-index';
import { closeness } from '../alignment/geometry';
import { edgeAllowed, edgeTypeOfRelation } from './edge-rules';
import type { GraphBuilder, NodeType } from './graph-builder';

export interface DiagramNodesResult {
  /** Node id of each element that became (part of) a node. */
  elementNodes: Map<string, string>;
  relationsIgnored: number;
}

const c = (confidence: number, ref?: string) => ({ stage: 'C' as const, confidence, ...(ref !== undefined ? { ref } : {}) });

function r3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function addPoints(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  for (const p of diagram.points.values()) {
    const id = namedId('point', p.name);
    graph.addNode(id, 'point', c(p.confidence, p.pointElementId ?? p.labelId), { label: p.name, props: { x: r3(p.at.x), y: r3(p.at.y), anchored: p.anchored } });
    if (p.pointElementId) elementNodes.set(p.pointElementId, id);
    if (p.labelId) graph.addEdge('labels', `label:${p.labelId}`, id, c(p.confidence, p.labelId));
  }
  for (const e of diagram.elements.values()) {
    if (e.type !== 'point' || elementNodes.has(e.id)) continue;
    const id = `point:#${e.id}`;
    const at = e.point ?? { x: e.bbox.x + e.bbox.w / 2, y: e.bbox.y + e.bbox.h / 2 };
    graph.addNode(id, 'point', c(e.confidence, e.id), { props: { x: r3(at.x), y: r3(at.y) } });
    elementNodes.set(e.id, id);
  }
}

function addLinear(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  const { endTolerance, onTolerance } = diagram.scale;
  for (const s of diagram.segments) {
    const e = s.element;
    const id = s.name ? namedId(s.kind, s.name) : `${s.kind}:#${e.id}`;
    graph.addNode(id, s.kind, c(e.confidence * (s.name ? 1 : 0.9), e.id), {
      ...(s.name ? { label: s.name } : {}),
      props: { x1: r3(s.a.x), y1: r3(s.a.y), x2: r3(s.b.x), y2: r3(s.b.y), element: e.id },
    });
    elementNodes.set(e.id, id);
    s.ends.forEach((end, i) => {
      if (end === undefined) return;
      const type = s.kind === 'line' ? 'lies_on' : s.kind === 'ray' && i === 1 ? 'lies_on' : 'endpoint_of';
      graph.addEdge(type, namedId('point', end), id, c(e.confidence * closeness(s.endDistances[i] ?? 0, endTolerance), e.id));
    });
    for (const inner of s.interior) {
      graph.addEdge('lies_on', namedId('point', inner.name), id, c(e.confidence * closeness(inner.offset, onTolerance), e.id));
    }
  }
  // Two segments through one named point, inside at least one of them, cross there.
  const through = diagram.segments.map((s) => ({ id: elementNodes.get(s.element.id) as string, inner: new Set(s.interior.map((i) => i.name)), all: new Set([...s.interior.map((i) => i.name), ...s.ends.filter((n): n is string => !!n)]), conf: s.element.confidence }));
  for (let i = 0; i < through.length; i++) {
    for (let j = i + 1; j < through.length; j++) {
      const a = through[i];
      const b = through[j];
      if (!a || !b) continue;
      const at = [...a.all].find((n) => b.all.has(n) && (a.inner.has(n) || b.inner.has(n)));
      if (at) graph.addEdge('intersects', a.id < b.id ? a.id : b.id, a.id < b.id ? b.id : a.id, { stage: 'E', ref: `point:${at}`, confidence: Math.min(a.conf, b.conf) }, { at: `point:${at}` });
    }
  }
}

function addRound(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  const { endTolerance, onTolerance } = diagram.scale;
  for (const circle of diagram.circles) {
    const e = circle.element;
    const id = circle.centreName ? namedId('circle', circle.centreName) : `circle:#${e.id}`;
    graph.addNode(id, 'circle', c(e.confidence, e.id), { ...(circle.centreName ? { label: circle.centreName } : {}), props: { cx: r3(circle.centre.x), cy: r3(circle.centre.y), r: r3(circle.radius), element: e.id } });
    elementNodes.set(e.id, id);
    if (circle.centreName) graph.addEdge('center_of', namedId('point', circle.centreName), id, c(e.confidence * closeness(circle.centreDistance, endTolerance), e.id));
    for (const p of circle.on) graph.addEdge('lies_on', namedId('point', p.name), id, c(e.confidence * closeness(p.offset, onTolerance), e.id));
  }
  for (const arc of diagram.arcs) {
    const e = arc.element;
    const id = arc.name ? namedId('arc', arc.name) : `arc:#${e.id}`;
    graph.addNode(id, 'arc', c(e.confidence, e.id), { ...(arc.name ? { label: arc.name } : {}), props: { cx: r3(arc.centre.x), cy: r3(arc.centre.y), r: r3(arc.radius), element: e.id } });
    elementNodes.set(e.id, id);
    for (const end of arc.ends) if (end) graph.addEdge('endpoint_of', namedId('point', end), id, c(e.confidence, e.id));
    for (const circle of diagram.circles) {
      const same = Math.hypot(circle.centre.x - arc.centre.x, circle.centre.y - arc.centre.y) <= endTolerance && Math.abs(circle.radius - arc.radius) <= onTolerance;
      const circleId = elementNodes.get(circle.element.id);
      if (same && circleId) graph.addEdge('lies_on', id, circleId, c(Math.min(e.confidence, circle.element.confidence), e.id));
    }
  }
  for (const mark of diagram.angleMarks) {
    const id = `angle:#${mark.element.id}`;
    graph.addNode(id, 'angle', c(mark.element.confidence, mark.element.id), { props: { ...(mark.vertex ? { vertex: mark.vertex } : {}), element: mark.element.id } });
    elementNodes.set(mark.element.id, id);
  }
}

function addOtherElements(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  const typeOf: Partial<Record<DiagramElement['type'], NodeType>> = { curve: 'curve', axis: 'axis', polygon: 'polygon' };
  for (const e of diagram.elements.values()) {
    const type = typeOf[e.type];
    if (type && !elementNodes.has(e.id)) {
      const id = `${type}:#${e.id}`;
      graph.addNode(id, type, c(e.confidence, e.id), { props: { element: e.id, ...(e.path ? { path: e.path } : {}) } });
      elementNodes.set(e.id, id);
    }
  }
  for (const label of diagram.labels) {
    const id = `label:${label.elementId}`;
    graph.addNode(id, 'label', c(label.confidence, label.elementId), { label: label.text, props: { role: label.role, bbox: label.bbox } });
    elementNodes.set(label.elementId, id);
  }
}

/** Value labels: a `labels` edge to what they measure and a fact about it. */
function addValueFacts(graph: GraphBuilder, diagram: DiagramIndex): void {
  for (const v of diagram.values) {
    const confidence = r3(v.label.confidence * v.quality);
    if (confidence === 0) continue;
    let subject = v.targetId;
    if (!subject && v.vertex) {
      subject = `angle:#${v.label.elementId}`;
      graph.addNode(subject, 'angle', c(confidence, v.label.elementId), { props: { vertex: v.vertex } });
    }
    if (!subject) continue;
    const type: NodeType = subject.startsWith('arc:') ? 'arc' : subject.startsWith('angle:') ? 'angle' : 'segment';
    const name = subject.slice(subject.indexOf(':') + 1);
    graph.addNode(subject, type, c(confidence, v.label.elementId), { label: name });
    if (type !== 'angle') {
      // A labelled piece (AM of chord AB) may not be a drawn element of its own: tie its ends.
      for (const end of [name[0], name[name.length - 1]]) {
        if (end && graph.hasNode(`point:${end}`)) graph.addEdge('endpoint_of', `point:${end}`, subject, c(confidence, v.label.elementId));
      }
    }
    graph.addEdge('labels', `label:${v.label.elementId}`, subject, c(confidence, v.label.elementId));
    const value = v.label.value ?? v.label.text.replace(/°|º/g, '');
    const measured = v.label.degrees || type !== 'segment';
    const statement = measured ? `m${type === 'arc' ? `\\widehat{${name}}` : `\\angle ${name.startsWith('#') ? v.vertex : name}`} = ${value}` : `${name} = ${value}`;
    graph.addFact({ statement, subject, relation: measured ? 'measure_of' : 'equals', value, confidence });
    if (v.label.role === 'variable') {
      graph.addNode(`variable:${value}`, 'variable', c(confidence, v.label.elementId), { label: String(value) });
      graph.addEdge(measured ? 'measure_of' : 'equals', measured ? `variable:${value}` : subject, measured ? subject : `variable:${value}`, c(confidence, v.label.elementId));
    }
  }
}

/** Vision's relations between elements, where both ends became nodes and the types fit. */
function addRelations(graph: GraphBuilder, vision: VisionParseOutput, elementNodes: Map<string, string>): number {
  let ignored = 0;
  for (const rel of vision.relations) {
    const type = edgeTypeOfRelation(rel.type);
    const from = elementNodes.get(rel.from);
    const to = elementNodes.get(rel.to);
    const fromType = from ? graph.nodeType(from) : undefined;
    const toType = to ? graph.nodeType(to) : undefined;
    if (!type || !from || !to || !fromType || !toType || from === to) {
      ignored++;
      continue;
    }
    if (edgeAllowed(type, fromType, toType)) graph.addEdge(type, from, to, c(rel.confidence, `${rel.from}:${rel.type}:${rel.to}`));
    else if (edgeAllowed(type, toType, fromType)) graph.addEdge(type, to, from, c(rel.confidence, `${rel.from}:${rel.type}:${rel.to}`));
    else ignored++;
  }
  return ignored;
}

/**
 * Two segments through one unnamed point (a crossing stage C found where no label names it),
 * inside at least one of them, cross there: the rule `addLinear` applies to named points, read
 * from vision's `lies_on` and `endpoint_of` relations since the diagram index knows names only.
 */
function addUnnamedCrossings(graph: GraphBuilder, vision: VisionParseOutput, elementNodes: Map<string, string>): void {
  const through = new Map<string, Array<{ line: string; inside: boolean; confidence: number }>>();
  for (const rel of vision.relations) {
    const type = edgeTypeOfRelation(rel.type);
    const point = elementNodes.get(rel.from);
    const line = elementNodes.get(rel.to);
    if ((type !== 'lies_on' && type !== 'endpoint_of') || !point?.startsWith('point:#') || !line) continue;
    if (!['segment', 'line', 'ray'].includes(graph.nodeType(line) ?? '')) continue;
    through.set(point, [...(through.get(point) ?? []), { line, inside: type === 'lies_on', confidence: rel.confidence }]);
  }
  for (const [point, lines] of through) {
    for (let i = 0; i < lines.length; i++) {
      for (let j = i + 1; j < lines.length; j++) {
        const a = lines[i]!;
        const b = lines[j]!;
        if (a.line === b.line || (!a.inside && !b.inside)) continue;
        const [from, to] = a.line < b.line ? [a.line, b.line] : [b.line, a.line];
        graph.addEdge('intersects', from, to, { stage: 'E', ref: point, confidence: Math.min(a.confidence, b.confidence) }, { at: point });
      }
    }
  }
}

export function addDiagramNodes(graph: GraphBuilder, diagram: DiagramIndex, vision: VisionParseOutput | undefined): DiagramNodesResult {
  const elementNodes = new Map<string, string>();
  addOtherElements(graph, diagram, elementNodes);
  addPoints(graph, diagram, elementNodes);
  addLinear(graph, diagram, elementNodes);
  addRound(graph, diagram, elementNodes);
  addValueFacts(graph, diagram);
  const relationsIgnored = vision ? addRelations(graph, vision, elementNodes) : 0;
  if (vision) addUnnamedCrossings(graph, vision, elementNodes);
  return { elementNodes, relationsIgnored };
}
