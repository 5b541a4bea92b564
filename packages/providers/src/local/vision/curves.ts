/**
 * Curves. The line Hough cuts a smooth curve (a parabola, an arc too short to be a circle) into
 * short straight pieces joined end to end, each turning a little the same way. Chains of at least
 * three such pieces, where nothing else meets the joints, are one curve, reported as a path.
 */
import { distance, segmentDistance, type Pt } from './fitting';
import type { PageSegment } from './points';

export interface CurveChain<S extends PageSegment> {
  pieces: S[];
  path: Pt[];
}

const MIN_TURN = (4 * Math.PI) / 180;
const MAX_TURN = (50 * Math.PI) / 180;

/** Signed turn from direction u to direction v, in radians. */
const turn = (u: Pt, v: Pt): number => Math.atan2(u.x * v.y - u.y * v.x, u.x * v.x + u.y * v.y);

/** `join`: how close two ends must be to count as one joint (the pieces of a curve overlap a little). */
export function chainCurves<S extends PageSegment>(segments: readonly S[], join: number): CurveChain<S>[] {
  const ends = segments.flatMap((s) => [{ s, end: 'a' as const }, { s, end: 'b' as const }]);
  const at = (p: Pt) => ends.filter((e) => distance(e.s[e.end], p) <= join);
  // Only joints where exactly two pieces meet end to end, and no other piece passes by.
  const partner = (s: S, end: 'a' | 'b'): { s: S; end: 'a' | 'b' } | undefined => {
    const p = s[end];
    const here = at(p).filter((e) => e.s !== s);
    if (here.length !== 1) return undefined;
    const crossing = segments.some((t) => t !== s && t !== here[0]!.s && segmentDistance(p, t.a, t.b).distance <= join);
    return crossing ? undefined : here[0];
  };
  const used = new Set<S>();
  const chains: CurveChain<S>[] = [];
  for (const start of segments) {
    if (used.has(start)) continue;
    // Walk back to the chain's first piece, then forward, keeping turns small and of one sign.
    let chain: Array<{ s: S; from: 'a' | 'b' }> = [{ s: start, from: 'a' }];
    for (const direction of ['backward', 'forward'] as const) {
      let sign = 0;
      for (;;) {
        const edge = direction === 'forward' ? chain[chain.length - 1]! : chain[0]!;
        const outEnd = direction === 'forward' ? (edge.from === 'a' ? 'b' : 'a') : edge.from;
        const next = partner(edge.s, outEnd);
        if (!next || used.has(next.s) || chain.some((c) => c.s === next.s)) break;
        const dirOf = (c: { s: S; from: 'a' | 'b' }) => {
          const p = c.s[c.from];
          const q = c.s[c.from === 'a' ? 'b' : 'a'];
          const len = distance(p, q) || 1;
          return { x: (q.x - p.x) / len, y: (q.y - p.y) / len };
        };
        const link = { s: next.s, from: direction === 'forward' ? next.end : next.end === 'a' ? ('b' as const) : ('a' as const) };
        const t = direction === 'forward' ? turn(dirOf(edge), dirOf(link)) : turn(dirOf(link), dirOf(edge));
        if (Math.abs(t) < MIN_TURN || Math.abs(t) > MAX_TURN || (sign !== 0 && Math.sign(t) !== sign)) break;
        sign = Math.sign(t);
        chain = direction === 'forward' ? [...chain, link] : [link, ...chain];
      }
    }
    if (chain.length < 3) continue;
    chain.forEach((c) => used.add(c.s));
    const path = [chain[0]!.s[chain[0]!.from], ...chain.map((c) => c.s[c.from === 'a' ? 'b' : 'a'])];
    chains.push({ pieces: chain.map((c) => c.s), path });
  }
  return chains;
}
