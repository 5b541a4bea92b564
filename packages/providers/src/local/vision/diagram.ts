/**
 * Geometry of one diagram region: from its stroke components to elements (circles, segments,
 * points, labels) and relations, in page pixels. The order matters: circles are found first and
 * their pixels taken out, so the line Hough only sees what no circle explains; segment ends are
 * then snapped to the circles, dots and lines they were drawn to, and only then are labels
 * matched to locations.
 */
import type { DiagramElement, Relation } from '@mpp/schemas';
import type { OcrEngine } from '../tesseract-engine';
import type { ComponentMap } from './components';
import { findCircles } from './circles';
import { segmentDistance, type Pt } from './fitting';
import { groupLabelTokens, readLabels, stackFractions } from './labels';
import type { DiagramLayout } from './layout';
import { cropComponents, distanceTransform, thin, type Crop } from './morphology';
import { findAxes, lineKind, separateArrowheads } from './arrows';
import { chainCurves } from './curves';
import { buildElements, round2 } from './elements';
import { annotationStrokes, findJunctions } from './junctions';
import { findRightAngleMarks } from './marks';
import { candidateLocations, findDots, snapSegmentEnds, type PageSegment } from './points';
import { isPointName, placePoints, relate, type IdentifiedCircle, type IdentifiedPoint, type IdentifiedSegment, type NamedLabel } from './relations';
import { findSegments } from './segments';

export interface DiagramAnalysis {
  elements: DiagramElement[];
  relations: Relation[];
  /** What the drawing is: coordinate axes make a graph, lines and circles a geometry figure. */
  kind: 'geometry' | 'graph' | 'unknown';
}

/** Hands out element ids unique within one analysis (`pt-1`, `seg-2`...). */
export class ElementIds {
  private counts = new Map<string, number>();
  next(prefix: string): string {
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    return `${prefix}-${n}`;
  }
}

/** Skeleton pixels farther than two pixels from every segment (page coordinates). */
function withoutSegments(skeleton: Crop, segments: readonly PageSegment[]): Crop {
  const data = Uint8Array.from(skeleton.data);
  for (let i = 0; i < data.length; i++) {
    if (!data[i]) continue;
    const p = { x: (i % skeleton.width) + skeleton.x0, y: Math.floor(i / skeleton.width) + skeleton.y0 };
    if (segments.some((s) => segmentDistance(p, s.a, s.b).distance <= 2)) data[i] = 0;
  }
  return { ...skeleton, data };
}

/** Skeleton pixels minus those explained by the circles and dots already found. */
function withoutExplained(skeleton: Crop, circles: ReadonlyArray<{ cx: number; cy: number; r: number }>, dots: ReadonlyArray<Pt & { radius: number }>): Crop {
  const data = Uint8Array.from(skeleton.data);
  for (let y = 0; y < skeleton.height; y++) {
    for (let x = 0; x < skeleton.width; x++) {
      const i = y * skeleton.width + x;
      if (!data[i]) continue;
      const px = x + skeleton.x0;
      const py = y + skeleton.y0;
      if (circles.some((c) => Math.abs(Math.hypot(px - c.cx, py - c.cy) - c.r) <= 2.5)) data[i] = 0;
      else if (dots.some((d) => Math.hypot(px - d.x, py - d.y) <= d.radius + 1)) data[i] = 0;
    }
  }
  return { ...skeleton, data };
}

export async function analyseDiagram(
  map: ComponentMap,
  diagram: DiagramLayout,
  charHeight: number,
  engine: OcrEngine,
  ids: ElementIds,
): Promise<DiagramAnalysis> {
  const ink = cropComponents(map, diagram.strokes, 2);
  const skeleton = thin(ink);
  const dt = distanceTransform(ink);
  const dots = findDots(ink, dt, skeleton);

  const circleFits = findCircles(skeleton, ink, {
    minRadius: Math.max(8, Math.round(1.5 * charHeight)),
    maxRadius: Math.round(Math.max(ink.width, ink.height) / 2) + 2,
  });
  const circles: IdentifiedCircle[] = circleFits.map((c) => ({ id: ids.next('circle'), cx: c.cx + ink.x0, cy: c.cy + ink.y0, r: c.r, confidence: c.confidence }));

  const unexplained = withoutExplained(skeleton, circles, dots);
  const segmentFits = findSegments(unexplained, {
    minLength: Math.max(10, 1.1 * charHeight),
    maxGap: Math.max(3, 0.25 * charHeight),
    mergeGap: charHeight,
  });
  const pieces: IdentifiedSegment[] = segmentFits.map((s) => ({
    id: ids.next('seg'),
    a: { x: s.a.x + ink.x0, y: s.a.y + ink.y0 },
    b: { x: s.b.x + ink.x0, y: s.b.y + ink.y0 },
    confidence: s.confidence,
  }));
  const isInk = (x: number, y: number): boolean => x >= 0 && y >= 0 && x < map.width && y < map.height && map.labels[y * map.width + x]! > 0;
  const { dots: pointDots, arrowEnds } = separateArrowheads(dots, pieces, isInk);
  snapSegmentEnds(pieces, circles, pointDots, Math.max(5, 0.35 * charHeight), isInk);
  // Straight pieces that chain into a smooth bend are one curve, not many segments.
  const curves = chainCurves(pieces.filter((p) => !arrowEnds.has(p)), Math.max(7, 0.4 * charHeight));
  const inCurve = new Set(curves.flatMap((c) => c.pieces));
  const segments = pieces.filter((p) => !inCurve.has(p));
  const curveElements = curves.map((c) => ({ id: ids.next('curve'), path: c.path, confidence: 0.8 * Math.min(...c.pieces.map((p) => p.confidence)) }));

  const marks = findRightAngleMarks(withoutSegments(unexplained, segments), segments, charHeight);

  const read = await readLabels(engine, map, stackFractions(groupLabelTokens(diagram.labels, charHeight), charHeight));
  // "1." or "3A." beside a figure numbers the exercise; it is not part of the drawing.
  const labels: NamedLabel[] = read.filter((l) => !/^\d+[A-Za-z]?\.$/.test(l.text)).map((l) => ({ id: ids.next('label'), text: l.text, bbox: l.bbox, confidence: l.confidence }));

  const strokePixels: Pt[] = [];
  for (let y = 0; y < skeleton.height; y++) {
    for (let x = 0; x < skeleton.width; x++) if (skeleton.data[y * skeleton.width + x]) strokePixels.push({ x: x + skeleton.x0, y: y + skeleton.y0 });
  }
  const mergeRadius = Math.max(4, 0.25 * charHeight);
  const locations = candidateLocations(pointDots, circles, segments, mergeRadius);
  const axes = findAxes(segments, arrowEnds, { width: ink.width, height: ink.height });
  const valueLabels = labels.filter((l) => !isPointName(l.text));
  // Corners and crossings of the figure itself, not of the leader lines and tick marks on it.
  const annotations = annotationStrokes(segments, circles, valueLabels, { reach: Math.max(3, 0.5 * charHeight), tolerance: mergeRadius, tickLength: 2 * charHeight });
  const junctions = findJunctions(locations, segments.filter((s) => !annotations.has(s)), { tolerance: mergeRadius, arrowEnds, labelBoxes: labels.map((l) => l.bbox), axes });
  const points: IdentifiedPoint[] = placePoints(labels, locations, strokePixels, { junctions, duplicateRadius: 2 * mergeRadius }).map((p) => ({ ...p, id: ids.next('pt') }));
  const relations = relate(points, segments, circles, valueLabels);
  const markIds = marks.map(() => ids.next('mark'));
  marks.forEach((m, k) => {
    if (m.lines) relations.push({ type: 'perpendicular_to', from: m.lines[0], to: m.lines[1], confidence: m.confidence });
    for (const line of m.lines ?? []) relations.push({ type: 'marks', from: markIds[k]!, to: line, confidence: m.confidence });
  });

  const lineKinds = new Map(segments.map((seg) => [seg, lineKind(arrowEnds.get(seg))] as const));
  for (const axis of axes) lineKinds.set(axis, { type: 'axis', reversed: lineKinds.get(axis)?.reversed ?? false });
  const elements = buildElements({ region_id: diagram.id, circles, segments, lineKinds, curves: curveElements, points, marks, markIds, labels, relations });
  return {
    elements,
    relations: relations.map((r) => ({ ...r, confidence: round2(r.confidence) })),
    kind: axes.size >= 2 ? 'graph' : circles.length + segments.length + curves.length > 0 ? 'geometry' : 'unknown',
  };
}

