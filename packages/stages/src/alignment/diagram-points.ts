/**
 * Names the diagram's points. A point is somewhere a label can name: a drawn dot (`point`
 * element), a segment's end, a circle's centre, a polygon's vertex, or where two segments cross
 * (the `M` where chord AB meets radius XY is rarely drawn as a dot). Point elements that vision
 * already named keep their names; every other name label goes to the nearest free place within
 * reach, nearest pairs first.
 */
import type { DiagramElement, VisionParseOutput } from '@mpp/schemas';
import type { DiagramLabel, DiagramScale } from './diagram-labels';
import { distance, pointAtAngle, pointToBoxDistance, segmentIntersection, boxCentre, clamp01, type Pt } from './geometry';

export interface NamedPoint {
  name: string;
  at: Pt;
  /** The label element naming it, when a label does. */
  labelId?: string;
  /** The point element drawn there, when there is one. */
  pointElementId?: string;
  /** Elements whose geometry puts a point here (segment ends, circle centres...). */
  elementIds: string[];
  /** False when no geometry was found near the label: the point sits at the label. */
  anchored: boolean;
  /** Distance from the place to its label's box (0 for named point elements). */
  labelDistance: number;
  /** How clearly the label belongs to this place, 0-1. */
  quality: number;
  confidence: number;
}

interface Anchor {
  at: Pt;
  elementIds: string[];
  pointElement?: DiagramElement;
}

function addAnchor(anchors: Anchor[], at: Pt, elementId: string, tolerance: number, pointElement?: DiagramElement): void {
  const near = anchors.find((a) => distance(a.at, at) <= tolerance);
  if (!near) {
    anchors.push({ at, elementIds: [elementId], ...(pointElement ? { pointElement } : {}) });
    return;
  }
  if (!near.elementIds.includes(elementId)) near.elementIds.push(elementId);
  if (pointElement && !near.pointElement) {
    // A drawn dot is the most precise position there is.
    near.pointElement = pointElement;
    near.at = at;
  }
}

/** Every place a label could name, merged within the scale's merge tolerance. */
function collectAnchors(vision: VisionParseOutput, scale: DiagramScale): Anchor[] {
  const anchors: Anchor[] = [];
  const segments: DiagramElement[] = [];
  for (const e of vision.elements) {
    if (e.type === 'point') addAnchor(anchors, e.point ?? boxCentre(e.bbox), e.id, scale.mergeTolerance, e);
  }
  for (const e of vision.elements) {
    if ((e.type === 'segment' || e.type === 'ray' || e.type === 'line') && e.endpoints) {
      segments.push(e);
      for (const end of e.endpoints) addAnchor(anchors, end, e.id, scale.mergeTolerance);
    } else if (e.type === 'circle' && e.center) {
      addAnchor(anchors, e.center, e.id, scale.mergeTolerance);
    } else if (e.type === 'arc' && e.center && e.radius !== undefined && e.angles) {
      for (const deg of e.angles) addAnchor(anchors, pointAtAngle(e.center, e.radius, deg), e.id, scale.mergeTolerance);
    } else if (e.type === 'polygon' && e.path) {
      for (const vertex of e.path) addAnchor(anchors, vertex, e.id, scale.mergeTolerance);
    }
  }
  for (let i = 0; i < segments.length && i < 200; i++) {
    for (let j = i + 1; j < segments.length && j < 200; j++) {
      const [a1, a2] = segments[i]?.endpoints ?? [];
      const [b1, b2] = segments[j]?.endpoints ?? [];
      if (!a1 || !a2 || !b1 || !b2) continue;
      const cross = segmentIntersection(a1, a2, b1, b2, scale.endTolerance);
      if (!cross) continue;
      for (const s of [segments[i], segments[j]]) if (s) addAnchor(anchors, cross, s.id, scale.mergeTolerance);
    }
  }
  return anchors;
}

export interface NamedPoints {
  points: Map<string, NamedPoint>;
  /** Name labels that repeat a name already given (a second `A`). */
  duplicates: DiagramLabel[];
}

export function nameDiagramPoints(vision: VisionParseOutput, labels: readonly DiagramLabel[], scale: DiagramScale): NamedPoints {
  const anchors = collectAnchors(vision, scale);
  const points = new Map<string, NamedPoint>();
  const duplicates: DiagramLabel[] = [];
  const used = new Set<Anchor>();

  for (const a of anchors) {
    const name = a.pointElement?.text?.trim();
    if (!a.pointElement || !name || !/^[A-Z]$/.test(name) || points.has(name)) continue;
    used.add(a);
    points.set(name, {
      name, at: a.at, pointElementId: a.pointElement.id, elementIds: a.elementIds.filter((id) => id !== a.pointElement?.id),
      anchored: true, labelDistance: 0, quality: 1, confidence: a.pointElement.confidence,
    });
  }

  const nameLabels = labels.filter((l) => l.role === 'point_name');
  const pending: DiagramLabel[] = [];
  for (const label of nameLabels) {
    const named = points.get(label.text);
    if (named && named.labelId === undefined) {
      named.labelId = label.elementId;
      named.labelDistance = pointToBoxDistance(named.at, label.bbox);
    } else if (named) duplicates.push(label);
    else if (pending.some((p) => p.text === label.text)) duplicates.push(label);
    else pending.push(label);
  }

  const pairs = pending.flatMap((label) =>
    anchors.filter((a) => !used.has(a)).map((anchor) => ({ label, anchor, d: pointToBoxDistance(anchor.at, label.bbox) })),
  );
  pairs.sort((p, q) => p.d - q.d);
  const placed = new Set<DiagramLabel>();
  for (const { label, anchor, d } of pairs) {
    if (d > scale.labelReach || placed.has(label) || used.has(anchor)) continue;
    placed.add(label);
    used.add(anchor);
    const quality = clamp01(1 - (0.5 * d) / scale.labelReach);
    points.set(label.text, {
      name: label.text, at: anchor.at, labelId: label.elementId,
      ...(anchor.pointElement ? { pointElementId: anchor.pointElement.id } : {}),
      elementIds: anchor.elementIds.filter((id) => id !== anchor.pointElement?.id),
      anchored: true, labelDistance: d, quality, confidence: label.confidence * quality,
    });
  }
  for (const label of pending) {
    if (placed.has(label)) continue;
    // No geometry near the label: keep the name where the label is, and say it is a guess.
    const quality = 0.4;
    points.set(label.text, {
      name: label.text, at: boxCentre(label.bbox), labelId: label.elementId, elementIds: [],
      anchored: false, labelDistance: 0, quality, confidence: label.confidence * quality,
    });
  }
  return { points, duplicates };
}
