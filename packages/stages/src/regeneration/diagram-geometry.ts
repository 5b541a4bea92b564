/**
 * The diagram as plain geometry in pixels of the normalised image, whatever it came from: the
 * semantic graph (stage E) when it carries coordinates, else the elements stage C found. TikZ
 * and SVG are both drawn from this, so they always show the same thing.
 */
import type { BBox, DiagramElement, SemanticGraphOutput, VisionParseOutput } from '@mpp/schemas';
import type { DiagramGeometry, DiagramShapes, Point2 } from './diagram-types';
import { resolveGraphShapes } from './graph-shapes';

export type { DiagramGeometry, DiagramShapes, Point2 } from './diagram-types';

const FRAME_MARGIN = 12;
const DEFAULT_LABEL_SIZE = 14;

function centre(box: BBox): Point2 {
  return { x: box.x + box.w / 2, y: box.y + box.h / 2 };
}

function isEmpty(g: DiagramShapes): boolean {
  return g.points.length + g.segments.length + g.circles.length + g.polylines.length === 0;
}

/** Box around everything drawn, with a margin; used when no region of stage C holds the shapes. */
function boundsOf(g: DiagramShapes): BBox {
  const xs: number[] = [];
  const ys: number[] = [];
  const add = (p: Point2, pad = 0): void => {
    xs.push(p.x - pad, p.x + pad);
    ys.push(p.y - pad, p.y + pad);
  };
  g.points.forEach((p) => add(p.at));
  g.segments.forEach((s) => (add(s.from), add(s.to)));
  g.circles.forEach((c) => add(c.center, c.radius));
  g.polylines.forEach((l) => l.points.forEach((p) => add(p)));
  g.labels.forEach((l) => add(l.at, l.size));
  const x = Math.max(0, Math.min(...xs) - FRAME_MARGIN);
  const y = Math.max(0, Math.min(...ys) - FRAME_MARGIN);
  return { x, y, w: Math.max(1, Math.max(...xs) + FRAME_MARGIN - x), h: Math.max(1, Math.max(...ys) + FRAME_MARGIN - y) };
}

/** Where the drawn shapes are: every point, segment end and midpoint, circle centre and polyline vertex. */
function anchorsOf(g: DiagramShapes): Point2[] {
  return [
    ...g.points.map((p) => p.at),
    ...g.segments.flatMap((s) => [s.from, s.to, { x: (s.from.x + s.to.x) / 2, y: (s.from.y + s.to.y) / 2 }]),
    ...g.circles.map((c) => c.center),
    ...g.polylines.flatMap((l) => l.points),
  ];
}

const inside = (p: Point2, b: BBox): boolean => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

/**
 * The frame the diagram is drawn and checked in: the union of stage C's diagram (or figure)
 * regions that hold any of the shapes, so a page with several figures is compared whole and a
 * large region without any shape (a coloured banner read as a figure) is never the frame; the
 * shapes' own bounds when no region holds them.
 */
export function diagramFrame(vision: VisionParseOutput | undefined, g: DiagramShapes): BBox {
  const anchors = anchorsOf(g);
  const holding = (vision?.regions ?? [])
    .filter((r) => r.type === 'diagram' || r.type === 'figure')
    .map((r) => r.bbox)
    .filter((b) => anchors.some((p) => inside(p, b)));
  if (holding.length === 0) return boundsOf(g);
  const x = Math.min(...holding.map((b) => b.x));
  const y = Math.min(...holding.map((b) => b.y));
  return { x, y, w: Math.max(...holding.map((b) => b.x + b.w)) - x, h: Math.max(...holding.map((b) => b.y + b.h)) - y };
}

function typicalLabelSize(vision: VisionParseOutput | undefined): number {
  const heights = (vision?.elements ?? []).filter((e) => e.type === 'label' && e.bbox.h > 0).map((e) => e.bbox.h);
  if (heights.length === 0) return DEFAULT_LABEL_SIZE;
  heights.sort((a, b) => a - b);
  return heights[Math.floor(heights.length / 2)]!;
}

/** Where a point's name goes: on stage C's label with that text when there is one, else beside the point. */
function placeLabels(
  points: DiagramGeometry['points'],
  vision: VisionParseOutput | undefined,
  freeLabels: DiagramGeometry['labels'],
): DiagramGeometry['labels'] {
  const size = typicalLabelSize(vision);
  const visionLabels = (vision?.elements ?? []).filter((e) => e.type === 'label' && e.text);
  const used = new Set<string>();
  const labels: DiagramGeometry['labels'] = [...freeLabels];
  for (const point of points) {
    if (!point.label) continue;
    const candidates = visionLabels.filter((e) => e.text?.trim() === point.label && !used.has(e.id));
    candidates.sort((a, b) => distance(centre(a.bbox), point.at) - distance(centre(b.bbox), point.at));
    const match = candidates[0];
    if (match && distance(centre(match.bbox), point.at) < 6 * size) {
      used.add(match.id);
      labels.push({ text: point.label, at: centre(match.bbox), size: match.bbox.h || size });
    } else {
      labels.push({ text: point.label, at: { x: point.at.x + 0.8 * size, y: point.at.y - 0.8 * size }, size });
    }
  }
  return labels;
}

function distance(a: Point2, b: Point2): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function geometryFromVision(vision: VisionParseOutput): DiagramShapes {
  const g: DiagramShapes = { points: [], segments: [], circles: [], polylines: [], labels: [] };
  const pointLabels = new Set<string>();
  for (const el of vision.elements) addVisionElement(g, el, pointLabels);
  const free = vision.elements
    .filter((e) => e.type === 'label' && e.text && !pointLabels.has(e.text.trim()))
    .map((e) => ({ text: e.text!.trim(), at: centre(e.bbox), size: e.bbox.h || DEFAULT_LABEL_SIZE }));
  g.labels = placeLabels(g.points, vision, free);
  return g;
}

function addVisionElement(g: DiagramShapes, el: DiagramElement, pointLabels: Set<string>): void {
  switch (el.type) {
    case 'point': {
      const label = el.text?.trim() || undefined;
      if (label) pointLabels.add(label);
      g.points.push({ id: el.id, at: el.point ?? centre(el.bbox), ...(label ? { label } : {}) });
      return;
    }
    case 'segment':
    case 'line':
    case 'ray':
    case 'axis':
      if (el.endpoints) g.segments.push({ id: el.id, from: el.endpoints[0], to: el.endpoints[1], kind: el.type });
      return;
    case 'circle':
    case 'arc':
      if (el.center && el.radius !== undefined && el.radius > 0) {
        g.circles.push({ id: el.id, center: el.center, radius: el.radius, ...(el.type === 'arc' && el.angles ? { arc: el.angles } : {}) });
      }
      return;
    case 'polygon':
    case 'curve':
      if (el.path && el.path.length >= 2) g.polylines.push({ id: el.id, points: el.path, closed: el.type === 'polygon' });
      return;
    case 'label':
    case 'angle_mark':
      return;
  }
}

/**
 * Geometry for the diagram, from stage E's graph when its nodes carry coordinates (directly or
 * through their stage C provenance), else from stage C's elements; undefined when neither has any.
 */
export function buildDiagramGeometry(graph: SemanticGraphOutput | undefined, vision: VisionParseOutput | undefined): DiagramGeometry | undefined {
  if (graph) {
    const shapes = resolveGraphShapes(graph, vision);
    if (!isEmpty(shapes)) {
      const labels = placeLabels(shapes.points, vision, shapes.labels);
      const g = { ...shapes, labels };
      return { ...g, frame: diagramFrame(vision, g), source: 'graph' };
    }
  }
  if (vision) {
    const g = geometryFromVision(vision);
    if (!isEmpty(g)) return { ...g, frame: diagramFrame(vision, g), source: 'vision' };
  }
  return undefined;
}
