/**
 * The schema's view of a diagram's geometry: circles, segments (or lines, rays, axes), points,
 * angle marks and labels as `DiagramElement`s in page pixels, with segments and circles named
 * after their named points the way the text refers to them (`AB`, `⊙X` as `X`).
 */
import type { DiagramElement, Relation } from '@mpp/schemas';
import type { LineKind } from './arrows';
import { distance, type Pt } from './fitting';
import type { RightAngleMark } from './marks';
import type { IdentifiedCircle, IdentifiedPoint, IdentifiedSegment, NamedLabel } from './relations';

export interface DiagramGeometry {
  region_id: string;
  circles: readonly IdentifiedCircle[];
  segments: readonly IdentifiedSegment[];
  lineKinds: ReadonlyMap<IdentifiedSegment, LineKind>;
  curves: ReadonlyArray<{ id: string; path: Pt[]; confidence: number }>;
  points: readonly IdentifiedPoint[];
  marks: readonly RightAngleMark[];
  markIds: readonly string[];
  labels: readonly NamedLabel[];
  relations: readonly Relation[];
}

const round = (v: number): number => Math.round(v * 10) / 10;
export const round2 = (v: number): number => Math.round(Math.max(0, Math.min(1, v)) * 100) / 100;
const roundPt = (p: Pt): Pt => ({ x: round(p.x), y: round(p.y) });
const box = (x0: number, y0: number, x1: number, y1: number): DiagramElement['bbox'] => ({
  x: round(Math.min(x0, x1)),
  y: round(Math.min(y0, y1)),
  w: round(Math.abs(x1 - x0)),
  h: round(Math.abs(y1 - y0)),
});

export function buildElements(g: DiagramGeometry): DiagramElement[] {
  const { region_id, relations, points } = g;
  // Name segments and circles after their named points, as the text refers to them (`AB`, `⊙X`).
  const nameOf = new Map(points.filter((p) => p.label).map((p) => [p.id, p.label!.text]));
  const segmentName = (s: IdentifiedSegment): string | undefined => {
    const ends = relations.filter((r) => r.type === 'endpoint_of' && r.to === s.id).map((r) => points.find((p) => p.id === r.from)!);
    const named = ends.filter((p) => nameOf.has(p.id));
    if (named.length < 2) return undefined;
    const nearA = named.reduce((a, p) => (distance(p, s.a) < distance(a, s.a) ? p : a));
    const nearB = named.reduce((a, p) => (distance(p, s.b) < distance(a, s.b) ? p : a));
    return nearA === nearB ? undefined : `${nameOf.get(nearA.id)}${nameOf.get(nearB.id)}`;
  };
  const circleName = (c: IdentifiedCircle): string | undefined => {
    const centre = relations.find((r) => r.type === 'center_of' && r.to === c.id && nameOf.has(r.from));
    return centre ? nameOf.get(centre.from) : undefined;
  };

  return [
    ...g.circles.map((c): DiagramElement => {
      const text = circleName(c);
      return { id: c.id, type: 'circle', bbox: box(c.cx - c.r, c.cy - c.r, c.cx + c.r, c.cy + c.r), confidence: round2(c.confidence), region_id, center: roundPt({ x: c.cx, y: c.cy }), radius: round(c.r), ...(text ? { text } : {}) };
    }),
    ...g.segments.map((s): DiagramElement => {
      const text = segmentName(s);
      const { type, reversed } = g.lineKinds.get(s) ?? { type: 'segment', reversed: false };
      const ends: [Pt, Pt] = reversed ? [s.b, s.a] : [s.a, s.b];
      return { id: s.id, type, bbox: box(s.a.x, s.a.y, s.b.x, s.b.y), confidence: round2(s.confidence), region_id, endpoints: [roundPt(ends[0]), roundPt(ends[1])], ...(text ? { text } : {}) };
    }),
    ...g.curves.map((c): DiagramElement => {
      const xs = c.path.map((p) => p.x);
      const ys = c.path.map((p) => p.y);
      return { id: c.id, type: 'curve', bbox: box(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)), confidence: round2(c.confidence), region_id, path: c.path.map(roundPt) };
    }),
    ...points.map((p): DiagramElement => {
      const r = Math.max(2, p.radius ?? 2);
      return { id: p.id, type: 'point', bbox: box(p.x - r, p.y - r, p.x + r, p.y + r), confidence: round2(p.confidence), region_id, point: roundPt(p), ...(p.label ? { text: p.label.text } : {}) };
    }),
    // An angle mark's `point` is the vertex of the angle it marks; `path` is the mark as drawn.
    ...g.marks.map((m, k): DiagramElement => {
      const xs = [m.corner.x, m.vertex.x, m.ends[0].x, m.ends[1].x];
      const ys = [m.corner.y, m.vertex.y, m.ends[0].y, m.ends[1].y];
      return { id: g.markIds[k]!, type: 'angle_mark', bbox: box(Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)), confidence: round2(m.confidence), region_id, point: roundPt(m.vertex), path: [m.ends[0], m.corner, m.ends[1]].map(roundPt) };
    }),
    ...g.labels.map((l): DiagramElement => ({ id: l.id, type: 'label', bbox: l.bbox, confidence: round2(l.confidence), region_id, text: l.text })),
  ];
}

