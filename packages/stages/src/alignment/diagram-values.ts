/**
 * What a diagram's value labels measure. A length (`5`, `x`, `2x+3`) belongs to the piece of a
 * segment whose middle it sits beside: the pieces of chord AB through M are AM, MB and AB. A degree
 * label (`40°`) near a circle measures the arc between the named points on either side of it;
 * elsewhere it marks the angle at the nearest named point.
 */
import { namedId } from './entity-ids';
import type { DiagramLabel, DiagramScale } from './diagram-labels';
import type { NamedPoint } from './diagram-points';
import type { IndexedCircle, IndexedSegment, ValueAttachment } from './diagram-types';
import { boxCentre, clamp01, distance, polarAngle, projectOntoSegment, type Pt } from './geometry';

interface Piece {
  id: string;
  p: Pt;
  q: Pt;
}

/** Every piece between two named points along each segment. */
function segmentPieces(segments: readonly IndexedSegment[], points: Map<string, NamedPoint>): Piece[] {
  const pieces: Piece[] = [];
  for (const s of segments) {
    const stops = [s.ends[0], ...s.interior.map((i) => i.name), s.ends[1]].filter((n): n is string => n !== undefined);
    for (let i = 0; i < stops.length; i++) {
      for (let j = i + 1; j < stops.length; j++) {
        const from = points.get(stops[i] as string);
        const to = points.get(stops[j] as string);
        if (from && to) pieces.push({ id: namedId('segment', from.name + to.name), p: from.at, q: to.at });
      }
    }
  }
  return pieces;
}

function attachLength(label: DiagramLabel, pieces: readonly Piece[], scale: DiagramScale): ValueAttachment {
  const centre = boxCentre(label.bbox);
  let best: { piece: Piece; d: number } | undefined;
  for (const piece of pieces) {
    const proj = projectOntoSegment(centre, piece.p, piece.q);
    if (proj.t < 0 || proj.t > 1 || proj.offset > scale.labelReach) continue;
    // Labels sit beside the middle of what they measure; that picks AM over AB for a label by AM.
    const d = distance(centre, { x: (piece.p.x + piece.q.x) / 2, y: (piece.p.y + piece.q.y) / 2 });
    if (!best || d < best.d) best = { piece, d };
  }
  if (!best) return { label, quality: 0 };
  const length = distance(best.piece.p, best.piece.q);
  return { label, targetId: best.piece.id, quality: clamp01(1 - best.d / Math.max(length, scale.labelReach)) };
}

function attachDegrees(label: DiagramLabel, points: Map<string, NamedPoint>, circles: readonly IndexedCircle[], scale: DiagramScale): ValueAttachment {
  const centre = boxCentre(label.bbox);
  for (const c of circles) {
    const off = Math.abs(distance(centre, c.centre) - c.radius);
    if (off > scale.labelReach || c.on.length < 2) continue;
    const angle = polarAngle(c.centre, centre);
    // The named points on either side of the label's angle bound the arc it measures.
    const after = c.on.find((p) => p.at >= angle) ?? c.on[0];
    const before = [...c.on].reverse().find((p) => p.at < angle) ?? c.on[c.on.length - 1];
    if (after && before && after.name !== before.name) {
      return { label, targetId: namedId('arc', before.name + after.name), quality: clamp01(1 - off / (2 * scale.labelReach)) };
    }
  }
  let vertex: NamedPoint | undefined;
  let nearest = Infinity;
  for (const p of points.values()) {
    const d = distance(p.at, centre);
    if (d < nearest && d <= 1.5 * scale.labelReach) {
      vertex = p;
      nearest = d;
    }
  }
  return vertex ? { label, vertex: vertex.name, quality: clamp01(1 - nearest / (3 * scale.labelReach)) } : { label, quality: 0 };
}

export function attachValueLabels(
  labels: readonly DiagramLabel[],
  points: Map<string, NamedPoint>,
  segments: readonly IndexedSegment[],
  circles: readonly IndexedCircle[],
  scale: DiagramScale,
): ValueAttachment[] {
  const pieces = segmentPieces(segments, points);
  return labels
    .filter((l) => l.role === 'value' || l.role === 'variable' || l.role === 'expression')
    .map((l) => (l.degrees ? attachDegrees(l, points, circles, scale) : attachLength(l, pieces, scale)));
}
