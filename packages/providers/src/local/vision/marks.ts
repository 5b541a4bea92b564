/**
 * Right-angle marks: the small square corners drawn where two lines meet at 90°. They are what is
 * left of the skeleton once segments and circles have been taken out: two short strokes meeting
 * at a right angle. The corner opposite the mark's own corner is the vertex of the angle, and the
 * two drawn lines through that vertex, each parallel to one side of the mark, are perpendicular.
 */
import { distance, segmentDistance, type Pt } from './fitting';
import type { Crop } from './morphology';
import { findSegments } from './segments';

export interface RightAngleMark {
  /** The mark's own corner, its two free ends, and the vertex of the angle it marks. */
  corner: Pt;
  ends: [Pt, Pt];
  vertex: Pt;
  /** Ids of the two perpendicular lines, when both were found. */
  lines?: [string, string];
  confidence: number;
}

interface IdSegment {
  id: string;
  a: Pt;
  b: Pt;
}

const unit = (a: Pt, b: Pt): Pt => {
  const len = distance(a, b) || 1;
  return { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
};

/** The drawn line through `vertex` running along `direction`, if one passes close enough. */
function lineAlong(segments: readonly IdSegment[], vertex: Pt, direction: Pt, tolerance: number): IdSegment | undefined {
  let best: IdSegment | undefined;
  let bestD = tolerance;
  for (const s of segments) {
    const u = unit(s.a, s.b);
    if (Math.abs(u.x * direction.x + u.y * direction.y) < Math.cos((12 * Math.PI) / 180)) continue;
    const { distance: d, t } = segmentDistance(vertex, s.a, s.b);
    if (t < -0.05 || t > 1.05) continue;
    if (d < bestD) {
      bestD = d;
      best = s;
    }
  }
  return best;
}

/**
 * Marks in the leftover skeleton (crop coordinates in, page coordinates out). `segments` are the
 * diagram's lines in page coordinates.
 */
export function findRightAngleMarks(leftover: Crop, segments: readonly IdSegment[], charHeight: number): RightAngleMark[] {
  const strokes = findSegments(leftover, { minLength: Math.max(4, 0.25 * charHeight), maxGap: 2, mergeGap: 2 })
    .filter((s) => distance(s.a, s.b) <= 1.6 * charHeight)
    .map((s) => ({ a: { x: s.a.x + leftover.x0, y: s.a.y + leftover.y0 }, b: { x: s.b.x + leftover.x0, y: s.b.y + leftover.y0 }, confidence: s.confidence }));
  const marks: RightAngleMark[] = [];
  const used = new Set<number>();
  for (let i = 0; i < strokes.length; i++) {
    for (let j = i + 1; j < strokes.length; j++) {
      if (used.has(i) || used.has(j)) continue;
      const p = strokes[i]!;
      const q = strokes[j]!;
      // The two strokes must share an end: the mark's corner.
      let shared: { corner: Pt; ends: [Pt, Pt] } | undefined;
      for (const [pc, pe] of [[p.a, p.b], [p.b, p.a]] as const) {
        for (const [qc, qe] of [[q.a, q.b], [q.b, q.a]] as const) {
          if (distance(pc, qc) <= 3.5) shared = { corner: { x: (pc.x + qc.x) / 2, y: (pc.y + qc.y) / 2 }, ends: [pe, qe] };
        }
      }
      if (!shared) continue;
      const u = unit(shared.corner, shared.ends[0]);
      const v = unit(shared.corner, shared.ends[1]);
      const cos = Math.abs(u.x * v.x + u.y * v.y);
      if (cos > Math.sin((15 * Math.PI) / 180)) continue;
      const [e1, e2] = shared.ends;
      const vertex = { x: e1.x + e2.x - shared.corner.x, y: e1.y + e2.y - shared.corner.y };
      const tolerance = Math.max(4, 0.2 * charHeight);
      const first = lineAlong(segments, vertex, u, tolerance);
      const second = lineAlong(segments, vertex, v, tolerance);
      // Without a line along either side it is some other small corner (a letter fragment, a box).
      if (!first && !second) continue;
      used.add(i);
      used.add(j);
      const squareness = 1 - cos / Math.sin((15 * Math.PI) / 180);
      const support = first && second ? 1 : 0.7;
      marks.push({
        corner: shared.corner,
        ends: [e1, e2],
        vertex,
        ...(first && second && first !== second ? { lines: [first.id, second.id] as [string, string] } : {}),
        confidence: Math.min(p.confidence, q.confidence) * (0.7 + 0.3 * squareness) * support,
      });
    }
  }
  return marks;
}
