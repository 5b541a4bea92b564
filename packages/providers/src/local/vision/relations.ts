/**
 * Turning geometry and read labels into named points and relations. A label that reads as a
 * point name (`A`, `B'`, `P1`) is given the nearest free candidate location (dot, crossing,
 * endpoint, meeting with a circle, centre) within reach of its box, globally nearest pairs first;
 * with none in reach, the nearest stroke pixel stands in at lower confidence. Drawn dots and the
 * junctions of strokes no label names are points too, unnamed and less sure. Then: `labels`
 * (label → point, or value label → segment), `lies_on` and `endpoint_of` (point → segment or
 * circle), `center_of` (point → circle).
 */
import type { BBox, Relation } from '@mpp/schemas';
import { pointBoxDistance } from './components';
import { distance, segmentDistance, type Pt } from './fitting';
import type { Location, LocationKind, PageCircle, PageSegment } from './points';

export interface NamedLabel {
  id: string;
  text: string;
  bbox: BBox;
  confidence: number;
}

export interface PlacedPoint extends Pt {
  /** The label naming it, if any. */
  label?: NamedLabel;
  kinds: Set<LocationKind | 'stroke'>;
  radius?: number;
  confidence: number;
}

const POINT_NAME = /^[A-Z](?:'{1,2}|[0-9])?$/;
/** How much a kind of location is worth as a point: a drawn dot is the strongest evidence. */
const KIND_WEIGHT: Record<LocationKind | 'stroke', number> = {
  dot: 1,
  intersection: 0.95,
  on_circle: 0.9,
  endpoint: 0.9,
  center: 0.8,
  stroke: 0.55,
};

export const isPointName = (text: string): boolean => POINT_NAME.test(text);

const kindWeight = (kinds: Set<LocationKind | 'stroke'>): number => Math.max(...[...kinds].map((k) => KIND_WEIGHT[k]));

/** Where the figure's strokes meet, for the points no label names (junctions.ts). */
export interface UnlabelledPoints {
  junctions: ReadonlyArray<{ location: Location; confidence: number }>;
  /** A junction this close to a point already placed is that point. */
  duplicateRadius: number;
}

/**
 * Points of the diagram: every location a point-name label claims, plus every drawn dot, plus
 * every junction of strokes no other point is near (strongest first).
 * `strokePixels` (page coordinates) are the fallback when no candidate is in reach.
 */
export function placePoints(
  labels: readonly NamedLabel[], locations: readonly Location[], strokePixels: readonly Pt[], unlabelled: UnlabelledPoints,
): PlacedPoint[] {
  const names = labels.filter((l) => isPointName(l.text));
  const reachOf = (l: NamedLabel): number => 1.3 * Math.max(l.bbox.w, l.bbox.h);
  const pairs: Array<{ label: NamedLabel; location: Location; cost: number }> = [];
  for (const label of names) {
    for (const location of locations) {
      const d = pointBoxDistance(location.x, location.y, label.bbox);
      // Dots are what labels are written next to; prefer them slightly over bare crossings.
      if (d <= reachOf(label)) pairs.push({ label, location, cost: d - (location.kinds.has('dot') ? 3 : 0) });
    }
  }
  pairs.sort((a, b) => a.cost - b.cost);
  const placed: PlacedPoint[] = [];
  const usedLabels = new Set<NamedLabel>();
  const usedLocations = new Set<Location>();
  for (const { label, location } of pairs) {
    if (usedLabels.has(label) || usedLocations.has(location)) continue;
    usedLabels.add(label);
    usedLocations.add(location);
    const proximity = 1 - 0.5 * (pointBoxDistance(location.x, location.y, label.bbox) / reachOf(label));
    placed.push({
      x: location.x,
      y: location.y,
      label,
      kinds: location.kinds,
      ...(location.radius !== undefined ? { radius: location.radius } : {}),
      confidence: label.confidence * proximity * kindWeight(location.kinds),
    });
  }
  for (const label of names) {
    if (usedLabels.has(label)) continue;
    let best: Pt | undefined;
    let bestD = reachOf(label);
    for (const p of strokePixels) {
      const d = pointBoxDistance(p.x, p.y, label.bbox);
      if (d < bestD) {
        bestD = d;
        best = p;
      }
    }
    if (best) placed.push({ x: best.x, y: best.y, label, kinds: new Set(['stroke']), confidence: label.confidence * KIND_WEIGHT.stroke * (1 - 0.5 * bestD / reachOf(label)) });
  }
  // Unlabelled dots are still points.
  for (const location of locations) {
    if (usedLocations.has(location) || !location.kinds.has('dot')) continue;
    placed.push({ x: location.x, y: location.y, kinds: location.kinds, ...(location.radius !== undefined ? { radius: location.radius } : {}), confidence: 0.6 });
  }
  for (const { location, confidence } of unlabelled.junctions) {
    if (usedLocations.has(location) || placed.some((p) => distance(p, location) <= unlabelled.duplicateRadius)) continue;
    placed.push({ x: location.x, y: location.y, kinds: location.kinds, confidence });
  }
  return placed;
}

export interface IdentifiedPoint extends PlacedPoint { id: string }
export interface IdentifiedSegment extends PageSegment { id: string; confidence: number }
export interface IdentifiedCircle extends PageCircle { id: string; confidence: number }

/** Geometric relations between points, segments, circles and labels. */
export function relate(
  points: readonly IdentifiedPoint[],
  segments: readonly IdentifiedSegment[],
  circles: readonly IdentifiedCircle[],
  valueLabels: readonly NamedLabel[],
): Relation[] {
  const relations: Relation[] = [];
  const add = (type: string, from: string, to: string, confidence: number): void => {
    relations.push({ type, from, to, confidence: Math.max(0, Math.min(1, confidence)) });
  };
  for (const p of points) {
    if (p.label) add('labels', p.label.id, p.id, p.confidence);
    for (const s of segments) {
      const len = distance(s.a, s.b);
      const { distance: d } = segmentDistance(p, s.a, s.b);
      const tolerance = Math.max(3, 0.02 * len);
      if (d > tolerance) continue;
      const atEnd = Math.min(distance(p, s.a), distance(p, s.b)) <= Math.max(6, (p.radius ?? 0) + 3);
      add(atEnd ? 'endpoint_of' : 'lies_on', p.id, s.id, Math.min(p.confidence, s.confidence) * (1 - 0.3 * (d / tolerance)));
    }
    for (const c of circles) {
      const d = distance(p, { x: c.cx, y: c.cy });
      const onTolerance = Math.max(3, 0.04 * c.r);
      const centreTolerance = Math.max(4, 0.08 * c.r);
      if (Math.abs(d - c.r) <= onTolerance) add('lies_on', p.id, c.id, Math.min(p.confidence, c.confidence) * (1 - 0.3 * (Math.abs(d - c.r) / onTolerance)));
      else if (d <= centreTolerance) add('center_of', p.id, c.id, Math.min(p.confidence, c.confidence) * (1 - 0.3 * (d / centreTolerance)));
    }
  }
  // A value (length, `x`) written beside exactly one segment labels it.
  for (const label of valueLabels) {
    const centre = { x: label.bbox.x + label.bbox.w / 2, y: label.bbox.y + label.bbox.h / 2 };
    const reach = 1.5 * Math.max(label.bbox.w, label.bbox.h);
    const ranked = segments
      .map((s) => ({ s, ...segmentDistance(centre, s.a, s.b) }))
      .filter((r) => r.t > 0.05 && r.t < 0.95 && r.distance <= reach)
      .sort((a, b) => a.distance - b.distance);
    const [first, second] = ranked;
    if (first && (!second || first.distance < 0.6 * second.distance)) {
      add('labels', label.id, first.s.id, label.confidence * (1 - 0.5 * (first.distance / reach)));
    }
  }
  return relations;
}
