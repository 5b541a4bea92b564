/**
 * Unlabelled points: the candidate locations where the figure's own strokes meet (a polygon's
 * corner, a segment ending on another) or cross (a parallelogram's diagonals). A figure drawn
 * without point names still has its vertices; the graph needs them to tie its segments together.
 *
 * Only strokes of the figure count. Left out: leader lines (a stroke from a value label to what
 * it measures, whose crossing with a side is no point of the figure) and tick marks (the caller
 * leaves out what `annotationStrokes` finds), the arrow tips of rays and lines, the crossing of
 * two coordinate axes (the origin, which the axes already give), and ink inside a label's box
 * (glyph strokes). Two pieces of one straight line meeting end to end make no point either: the
 * strokes at a junction must meet at an angle.
 */
import type { BBox } from '@mpp/schemas';
import type { SegmentEnd } from './arrows';
import { pointBoxDistance } from './components';
import { distance, segmentDistance, type Pt } from './fitting';
import type { Location, PageCircle, PageSegment } from './points';

export interface Junction<S extends PageSegment = PageSegment> {
  location: Location;
  /** The strokes meeting there. */
  segments: S[];
  confidence: number;
}

/** Strokes meeting are weaker evidence of a point than a drawn dot (0.6) or a label naming it. */
const JUNCTION_CONFIDENCE = 0.5;
/** Strokes closer to parallel than this are one line, not a corner. */
const MIN_ANGLE = (20 * Math.PI) / 180;

const touches = (p: Pt, s: PageSegment, tolerance: number): boolean => segmentDistance(p, s.a, s.b).distance <= tolerance;

/**
 * Strokes that annotate the figure rather than draw it: leader lines, from a value label to what
 * it measures (one end free, no other segment or circle there, and at the label's box; the other
 * end on a stroke), and tick marks (short, both ends free: they cross a side to mark it equal to
 * another). `labels` are the value labels only: a point name sits beside a vertex, where a side
 * ends too, but a side's ends are not free. A line whose free arrow tip happens to stop beside a
 * label is no leader: its other end is free too.
 */
export function annotationStrokes<S extends PageSegment>(
  segments: readonly S[], circles: readonly PageCircle[], labels: ReadonlyArray<{ bbox: BBox }>,
  opts: { reach: number; tolerance: number; tickLength: number },
): Set<S> {
  const onCircle = (p: Pt): boolean => circles.some((c) => Math.abs(distance(p, { x: c.cx, y: c.cy }) - c.r) <= opts.tolerance);
  const free = (s: S, end: SegmentEnd): boolean => !onCircle(s[end]) && !segments.some((t) => t !== s && touches(s[end], t, opts.tolerance));
  const atLabel = (p: Pt): boolean => labels.some((l) => pointBoxDistance(p.x, p.y, l.bbox) <= opts.reach);
  const strokes = new Set<S>();
  for (const s of segments) {
    const freeA = free(s, 'a');
    const freeB = free(s, 'b');
    const leader = (freeA && !freeB && atLabel(s.a)) || (freeB && !freeA && atLabel(s.b));
    const tick = freeA && freeB && distance(s.a, s.b) <= opts.tickLength;
    if (leader || tick) strokes.add(s);
  }
  return strokes;
}

export interface JunctionOptions {
  /** How far a stroke may pass from a location and still meet there (the location merge radius). */
  tolerance: number;
  /** Arrowed ends per segment (arrows.ts): an arrow tip is where a drawing stops, not a point. */
  arrowEnds: ReadonlyMap<PageSegment, ReadonlySet<SegmentEnd>>;
  /** Every label's box: strokes meeting inside one are glyph strokes. */
  labelBoxes: readonly BBox[];
  /** Coordinate axes (arrows.ts `findAxes`). */
  axes: ReadonlySet<PageSegment>;
}

/** Whether two of the strokes meet at an angle (not one line drawn in two pieces). */
function crossAtAngle(segments: readonly PageSegment[]): boolean {
  const sinMin = Math.sin(MIN_ANGLE);
  for (let i = 0; i < segments.length; i++) {
    for (let j = i + 1; j < segments.length; j++) {
      const s = segments[i]!;
      const t = segments[j]!;
      const cross = (s.b.x - s.a.x) * (t.b.y - t.a.y) - (s.b.y - s.a.y) * (t.b.x - t.a.x);
      if (Math.abs(cross) >= sinMin * distance(s.a, s.b) * distance(t.a, t.b)) return true;
    }
  }
  return false;
}

/**
 * The locations where two or more of `segments` (the figure's strokes, without its annotation
 * strokes) meet at an angle, strongest first: more strokes, then surer strokes.
 */
export function findJunctions<S extends PageSegment & { confidence: number }>(
  locations: readonly Location[], segments: readonly S[], opts: JunctionOptions,
): Array<Junction<S>> {
  const atArrowTip = (p: Pt, s: S): boolean => [...(opts.arrowEnds.get(s) ?? [])].some((end) => distance(p, s[end]) <= opts.tolerance);
  const junctions: Array<Junction<S>> = [];
  for (const location of locations) {
    if (!location.kinds.has('intersection') && !location.kinds.has('endpoint')) continue;
    if (opts.labelBoxes.some((b) => pointBoxDistance(location.x, location.y, b) <= 1)) continue;
    const meeting = segments.filter((s) => touches(location, s, opts.tolerance) && !atArrowTip(location, s));
    if (meeting.length < 2 || !crossAtAngle(meeting) || meeting.every((s) => opts.axes.has(s))) continue;
    const sure = meeting.map((s) => s.confidence).sort((a, b) => b - a);
    const strength = Math.min(1, (sure[0]! + sure[1]!) / 2 + 0.05 * (meeting.length - 2));
    junctions.push({ location, segments: meeting, confidence: JUNCTION_CONFIDENCE * strength });
  }
  return junctions.sort((p, q) => q.segments.length - p.segments.length || q.confidence - p.confidence);
}
