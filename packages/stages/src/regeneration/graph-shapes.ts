/**
 * Reads drawable shapes out of stage E's semantic graph. Node `props` are free-form, so this is
 * deliberately liberal: a point is `{x, y}` in its props (or under `point`/`position`/`at`), or
 * the stage C element its `element` prop or provenance names; a segment has `endpoints`, `x1..y2`, `from`/`to`,
 * `endpoint_of` edges or a two-point name such as `AB`; a circle has a `center` (point, id or
 * name, or a `center_of` edge) and a `radius` (or a point that `lies_on` it).
 */
import type { DiagramElement, GraphNode, SemanticGraphOutput, VisionParseOutput } from '@mpp/schemas';
import type { DiagramShapes as Shapes, Point2 } from './diagram-types';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** `{x, y}` or `[x, y]` with finite numbers. */
export function readPoint(v: unknown): Point2 | undefined {
  if (Array.isArray(v) && v.length === 2) {
    const [x, y] = [num(v[0]), num(v[1])];
    return x !== undefined && y !== undefined ? { x, y } : undefined;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const [x, y] = [num(o.x), num(o.y)];
    return x !== undefined && y !== undefined ? { x, y } : undefined;
  }
  return undefined;
}

/** Point names in a label such as `AB`, `\overline{AB}`, `arc CZ`, `A_1B'`. */
export function pointNames(label: string | undefined): string[] {
  return label ? (label.replace(/\\[a-zA-Z]+/g, ' ').match(/[A-Z](?:_?\{?\d+\}?|')*/g) ?? []) : [];
}

function angleOf(center: Point2, p: Point2): number {
  // Degrees counter-clockwise as seen: image y grows downwards.
  return (Math.atan2(-(p.y - center.y), p.x - center.x) * 180) / Math.PI;
}

export function resolveGraphShapes(graph: SemanticGraphOutput, vision: VisionParseOutput | undefined): Shapes {
  const elements = new Map<string, DiagramElement>((vision?.elements ?? []).map((e) => [e.id, e]));
  const elementOf = (node: GraphNode): DiagramElement | undefined => {
    if (typeof node.props.element === 'string' && elements.has(node.props.element)) return elements.get(node.props.element);
    for (const p of node.provenance) if (p.stage === 'C' && p.ref && elements.has(p.ref)) return elements.get(p.ref);
    return undefined;
  };
  const boxCentre = (v: unknown): Point2 | undefined => {
    const box = v as { x?: unknown; y?: unknown; w?: unknown; h?: unknown } | undefined;
    const [x, y, w, h] = [num(box?.x), num(box?.y), num(box?.w), num(box?.h)];
    return x !== undefined && y !== undefined && w !== undefined && h !== undefined ? { x: x + w / 2, y: y + h / 2 } : undefined;
  };

  const pointById = new Map<string, Point2>();
  const pointByName = new Map<string, Point2>();
  const shapes: Shapes = { points: [], segments: [], circles: [], polylines: [], labels: [] };
  for (const node of graph.nodes) {
    if (node.type !== 'point') continue;
    const props = node.props;
    const el = elementOf(node);
    const at =
      readPoint(props) ??
      readPoint(props.point) ??
      readPoint(props.position) ??
      readPoint(props.at) ??
      readPoint(props.coordinates) ??
      el?.point ??
      (el ? { x: el.bbox.x + el.bbox.w / 2, y: el.bbox.y + el.bbox.h / 2 } : undefined);
    if (!at) continue;
    const name = node.label ?? (typeof props.name === 'string' ? props.name : undefined) ?? el?.text;
    pointById.set(node.id, at);
    if (name) pointByName.set(name.trim(), at);
    shapes.points.push({ id: node.id, at, ...(name ? { label: name.trim() } : {}) });
  }

  const ref = (v: unknown): Point2 | undefined =>
    readPoint(v) ?? (typeof v === 'string' ? (pointById.get(v) ?? pointByName.get(v.trim())) : undefined);
  const linked = (nodeId: string, type: string): Point2[] =>
    graph.edges
      .filter((e) => e.type === type && (e.to === nodeId || e.from === nodeId))
      .map((e) => pointById.get(e.to === nodeId ? e.from : e.to))
      .filter((p): p is Point2 => p !== undefined);
  const pair = (list: unknown): [Point2, Point2] | undefined => {
    if (!Array.isArray(list) || list.length !== 2) return undefined;
    const [a, b] = [ref(list[0]), ref(list[1])];
    return a && b ? [a, b] : undefined;
  };
  const byNames = (label: string | undefined): Point2[] =>
    pointNames(label).map((n) => pointByName.get(n)).filter((p): p is Point2 => p !== undefined);

  for (const node of graph.nodes) {
    const props = node.props;
    const el = elementOf(node);
    if (node.type === 'segment' || node.type === 'line' || node.type === 'ray' || node.type === 'axis') {
      const coords = [num(props.x1), num(props.y1), num(props.x2), num(props.y2)];
      const ends =
        pair(props.endpoints) ??
        pair(props.points) ??
        (coords.every((c) => c !== undefined) ? ([{ x: coords[0]!, y: coords[1]! }, { x: coords[2]!, y: coords[3]! }] as [Point2, Point2]) : undefined) ??
        pair([props.from, props.to]) ??
        pair([props.start, props.end]) ??
        pair(linked(node.id, 'endpoint_of')) ??
        pair(byNames(node.label)) ??
        el?.endpoints;
      if (ends) shapes.segments.push({ id: node.id, from: ends[0], to: ends[1], kind: node.type });
    } else if (node.type === 'circle' || node.type === 'arc') {
      const cx = num(props.cx);
      const cy = num(props.cy);
      const center =
        ref(props.center) ??
        (cx !== undefined && cy !== undefined ? { x: cx, y: cy } : undefined) ??
        linked(node.id, 'center_of')[0] ??
        (node.type === 'circle' ? byNames(node.label)[0] : undefined) ??
        el?.center;
      if (!center) continue;
      const onCircle = linked(node.id, 'lies_on')[0];
      const radius = num(props.radius) ?? num(props.r) ?? el?.radius ?? (onCircle ? Math.hypot(onCircle.x - center.x, onCircle.y - center.y) : undefined);
      if (radius === undefined || radius <= 0) continue;
      if (node.type === 'circle') {
        shapes.circles.push({ id: node.id, center, radius });
        continue;
      }
      const angles = Array.isArray(props.angles) && props.angles.length === 2 ? [num(props.angles[0]), num(props.angles[1])] : undefined;
      const ends = pair(props.endpoints) ?? pair(byNames(node.label).slice(-2));
      let arc: [number, number] | undefined =
        angles?.[0] !== undefined && angles[1] !== undefined ? [angles[0], angles[1]] : (el?.angles ?? undefined);
      if (!arc && ends) {
        // Without stated angles, the minor arc between the two named points.
        const [a, b] = [angleOf(center, ends[0]), angleOf(center, ends[1])];
        arc = (((b - a) % 360) + 360) % 360 <= 180 ? [a, b] : [b, a];
      }
      if (arc) shapes.circles.push({ id: node.id, center, radius, arc });
    } else if (node.type === 'polygon') {
      const listed = Array.isArray(props.vertices) ? props.vertices.map(ref) : undefined;
      const vertices = (listed?.every((p) => p !== undefined) ? (listed as Point2[]) : undefined) ?? byNames(node.label);
      const path = vertices.length >= 3 ? vertices : el?.path;
      if (path && path.length >= 3) shapes.polylines.push({ id: node.id, points: path, closed: true });
    } else if (node.type === 'label') {
      const text = node.label ?? (typeof props.text === 'string' ? props.text : undefined) ?? el?.text;
      const at = readPoint(props) ?? readPoint(props.position) ?? boxCentre(props.bbox) ?? boxCentre(el?.bbox);
      const size = num((props.bbox as { h?: unknown } | undefined)?.h) || el?.bbox.h || 14;
      if (text && at && !pointByName.has(text.trim())) shapes.labels.push({ text: text.trim(), at, size });
    }
  }
  return shapes;
}
