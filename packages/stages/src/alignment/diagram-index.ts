/**
 * The diagram read by name: which named points each segment joins and passes through, which point
 * is a circle's centre and which lie on it, where arcs and angle marks are, and what the value
 * labels measure. Alignment scores against it; the semantic graph builds its diagram nodes from it.
 */
import type { DiagramElement, VisionParseOutput } from '@mpp/schemas';
import { canonicalName } from './entity-ids';
import { diagramLabels, diagramScale, type DiagramScale } from './diagram-labels';
import { nameDiagramPoints, type NamedPoint } from './diagram-points';
import { attachValueLabels } from './diagram-values';
export type { DiagramIndex, IndexedArc, IndexedCircle, IndexedMark, IndexedSegment, PointOn, ValueAttachment } from './diagram-types';
import type { DiagramIndex, IndexedArc, IndexedCircle, IndexedMark, IndexedSegment, PointOn } from './diagram-types';
import { boxCentre, distance, pointAtAngle, polarAngle, projectOntoSegment, type Pt } from './geometry';

function nearestName(points: Map<string, NamedPoint>, at: Pt, tolerance: number): { name?: string; d: number } {
  let best: { name?: string; d: number } = { d: Infinity };
  for (const p of points.values()) {
    const d = distance(p.at, at);
    if (d <= tolerance && d < best.d) best = { name: p.name, d };
  }
  return best;
}

function indexSegment(e: DiagramElement, points: Map<string, NamedPoint>, scale: DiagramScale): IndexedSegment | undefined {
  if (!e.endpoints || (e.type !== 'segment' && e.type !== 'line' && e.type !== 'ray')) return undefined;
  const [a, b] = e.endpoints;
  const endA = nearestName(points, a, scale.endTolerance);
  const endB = nearestName(points, b, scale.endTolerance);
  const ends: [string | undefined, string | undefined] = [endA.name, endB.name];
  const interior: PointOn[] = [];
  for (const p of points.values()) {
    if (p.name === endA.name || p.name === endB.name) continue;
    const proj = projectOntoSegment(p.at, a, b);
    const margin = scale.endTolerance / Math.max(distance(a, b), 1);
    if (proj.offset <= scale.onTolerance && proj.t > margin && proj.t < 1 - margin) interior.push({ name: p.name, offset: proj.offset, at: proj.t });
  }
  interior.sort((p, q) => p.at - q.at);
  const name = endA.name && endB.name && endA.name !== endB.name ? canonicalName(e.type === 'ray' ? 'ray' : 'segment', endA.name + endB.name) : undefined;
  return { element: e, kind: e.type, a, b, ends, endDistances: [endA.d, endB.d], interior, ...(name ? { name } : {}) };
}

function circleGeometry(e: DiagramElement): { centre: Pt; radius: number } {
  const centre = e.center ?? boxCentre(e.bbox);
  return { centre, radius: e.radius ?? Math.min(e.bbox.w, e.bbox.h) / 2 };
}

function indexCircle(e: DiagramElement, points: Map<string, NamedPoint>, scale: DiagramScale): IndexedCircle {
  const { centre, radius } = circleGeometry(e);
  const c = nearestName(points, centre, scale.endTolerance);
  const on: PointOn[] = [];
  for (const p of points.values()) {
    const offset = Math.abs(distance(p.at, centre) - radius);
    if (p.name !== c.name && offset <= scale.onTolerance) {
      on.push({ name: p.name, offset, at: polarAngle(centre, p.at) });
    }
  }
  on.sort((p, q) => p.at - q.at);
  return { element: e, centre, radius, ...(c.name ? { centreName: c.name } : {}), centreDistance: c.d, on };
}

function indexArc(e: DiagramElement, points: Map<string, NamedPoint>, scale: DiagramScale): IndexedArc | undefined {
  if (!e.angles) return undefined;
  const { centre, radius } = circleGeometry(e);
  const [start, end] = e.angles.map((deg) => nearestName(points, pointAtAngle(centre, radius, deg), scale.endTolerance));
  const ends: [string | undefined, string | undefined] = [start?.name, end?.name];
  const name = ends[0] && ends[1] && ends[0] !== ends[1] ? canonicalName('arc', ends[0] + ends[1]) : undefined;
  return { element: e, centre, radius, ends, ...(name ? { name } : {}) };
}

export function indexDiagram(vision: VisionParseOutput): DiagramIndex {
  const labels = diagramLabels(vision);
  const scale = diagramScale(vision, labels);
  const { points, duplicates } = nameDiagramPoints(vision, labels, scale);
  const segments: IndexedSegment[] = [];
  const circles: IndexedCircle[] = [];
  const arcs: IndexedArc[] = [];
  const angleMarks: IndexedMark[] = [];
  for (const e of vision.elements) {
    if (e.type === 'segment' || e.type === 'line' || e.type === 'ray') {
      const s = indexSegment(e, points, scale);
      if (s) segments.push(s);
    } else if (e.type === 'circle') circles.push(indexCircle(e, points, scale));
    else if (e.type === 'arc') {
      const a = indexArc(e, points, scale);
      if (a) arcs.push(a);
    } else if (e.type === 'angle_mark') {
      const v = nearestName(points, boxCentre(e.bbox), scale.labelReach);
      angleMarks.push({ element: e, ...(v.name ? { vertex: v.name } : {}), distance: v.d });
    }
  }
  const values = attachValueLabels(labels, points, segments, circles, scale);
  return { scale, points, labels, duplicateLabels: duplicates, segments, circles, arcs, angleMarks, values, elements: new Map(vision.elements.map((e) => [e.id, e])) };
}

/** A diagram with nothing in it, for when stage C was skipped. */
export function emptyDiagramIndex(): DiagramIndex {
  const scale: DiagramScale = { size: 100, endTolerance: 5, onTolerance: 4, labelReach: 15, mergeTolerance: 3 };
  return { scale, points: new Map(), labels: [], duplicateLabels: [], segments: [], circles: [], arcs: [], angleMarks: [], values: [], elements: new Map() };
}
