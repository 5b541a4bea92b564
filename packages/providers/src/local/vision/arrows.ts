/**
 * Arrowheads. A filled arrowhead looks like a thick dot to the distance transform; what gives it
 * away is that it sits at the end of a segment and its ink runs on well past its thickest point,
 * outwards (to the tip), where a round dot stops after one radius. Such ends are moved to the
 * tip and reported, so the segment can become a ray (one arrow) or a line (two).
 */
import { distance, type Pt } from './fitting';
import type { Dot, PageSegment } from './points';

export type SegmentEnd = 'a' | 'b';

/** Length of ink from `from` along the unit direction `u`, allowing one-pixel breaks. */
function inkRun(from: Pt, u: Pt, limit: number, isInk: (x: number, y: number) => boolean): number {
  let last = 0;
  let misses = 0;
  for (let s = 1; s <= limit; s++) {
    if (isInk(Math.round(from.x + s * u.x), Math.round(from.y + s * u.y))) {
      last = s;
      misses = 0;
    } else if (++misses > 1) break;
  }
  return last;
}

/**
 * Splits the dots into real point marks and arrowheads, moving the ends of segments that carry
 * an arrowhead onto its tip. Returns the remaining dots and, per segment, its arrow ends.
 */
export function separateArrowheads(
  dots: readonly Dot[], segments: readonly PageSegment[], isInk: (x: number, y: number) => boolean,
): { dots: Dot[]; arrowEnds: Map<PageSegment, Set<SegmentEnd>> } {
  const arrowEnds = new Map<PageSegment, Set<SegmentEnd>>();
  const kept: Dot[] = [];
  for (const dot of dots) {
    let arrow = false;
    for (const seg of segments) {
      for (const end of ['a', 'b'] as const) {
        const p = seg[end];
        const other = seg[end === 'a' ? 'b' : 'a'];
        if (distance(p, dot) > 2 * dot.radius + 4) continue;
        const len = distance(p, other);
        if (len === 0) continue;
        const u = { x: (p.x - other.x) / len, y: (p.y - other.y) / len };
        // The dot must sit on the segment's line, not beside its end.
        const offLine = Math.abs((dot.x - other.x) * -u.y + (dot.y - other.y) * u.x);
        if (offLine > dot.radius) continue;
        const run = inkRun(dot, u, Math.ceil(8 * dot.radius + 8), isInk);
        if (run <= 1.8 * dot.radius + 1) continue;
        arrow = true;
        seg[end] = { x: dot.x + run * u.x, y: dot.y + run * u.y };
        const ends = arrowEnds.get(seg) ?? new Set<SegmentEnd>();
        ends.add(end);
        arrowEnds.set(seg, ends);
      }
    }
    if (!arrow) kept.push(dot);
  }
  return { dots: kept, arrowEnds };
}

export interface LineKind {
  type: 'segment' | 'line' | 'ray' | 'axis';
  /** The arrow is at end `a`, so the endpoints are listed b → a: a ray runs on past its second end. */
  reversed: boolean;
}

/** Arrowheads make a line (both ends) or a ray (one end); none, a segment. */
export function lineKind(arrows: ReadonlySet<SegmentEnd> | undefined): LineKind {
  if (!arrows?.size) return { type: 'segment', reversed: false };
  if (arrows.size === 2) return { type: 'line', reversed: false };
  return { type: 'ray', reversed: arrows.has('a') };
}

/**
 * Coordinate axes: an arrowed horizontal line and an arrowed vertical line that cross, each
 * spanning most of the drawing in its direction, and each the only such line in its direction: a
 * figure of parallel arrowed lines cut by a transversal (lines of a geometry problem) has several,
 * a coordinate plane one of each (pieces of one axis, on one level, count as one). Returns both,
 * or nothing.
 */
export function findAxes<S extends PageSegment>(
  segments: readonly S[], arrowEnds: ReadonlyMap<PageSegment, ReadonlySet<SegmentEnd>>, extent: { width: number; height: number },
): Set<S> {
  const tilt = Math.sin((3 * Math.PI) / 180);
  const arrowed = segments.filter((s) => (arrowEnds.get(s)?.size ?? 0) > 0);
  const horizontal = arrowed.filter((s) => Math.abs(s.b.y - s.a.y) <= tilt * distance(s.a, s.b) && Math.abs(s.b.x - s.a.x) >= 0.6 * extent.width);
  const vertical = arrowed.filter((s) => Math.abs(s.b.x - s.a.x) <= tilt * distance(s.a, s.b) && Math.abs(s.b.y - s.a.y) >= 0.6 * extent.height);
  const midY = (s: PageSegment) => (s.a.y + s.b.y) / 2;
  const midX = (s: PageSegment) => (s.a.x + s.b.x) / 2;
  const alone = (s: S, all: readonly S[], level: (t: PageSegment) => number, span: number) => all.every((t) => t === s || Math.abs(level(t) - level(s)) <= 0.05 * span);
  for (const h of horizontal) {
    if (!alone(h, horizontal, midY, extent.height)) continue;
    for (const v of vertical) {
      if (!alone(v, vertical, midX, extent.width)) continue;
      const x = (v.a.x + v.b.x) / 2;
      const y = (h.a.y + h.b.y) / 2;
      const crosses = x >= Math.min(h.a.x, h.b.x) && x <= Math.max(h.a.x, h.b.x) && y >= Math.min(v.a.y, v.b.y) && y <= Math.max(v.a.y, v.b.y);
      if (crosses) return new Set([h, v]);
    }
  }
  return new Set();
}
