/**
 * Where a diagram's points can be: filled dots (much thicker than the strokes, found with the
 * distance transform), circle centres, segment endpoints, segment crossings and the places where
 * segments meet circles. Candidates closer than a few pixels are one location. Also the snapping
 * of segment ends onto the circles, dots and lines they were drawn to.
 */
import { distance, lineIntersection, segmentDistance, type Pt } from './fitting';
import type { Crop } from './morphology';

export interface Dot extends Pt {
  radius: number;
  confidence: number;
}

export interface PageCircle {
  cx: number;
  cy: number;
  r: number;
}

export interface PageSegment {
  a: Pt;
  b: Pt;
}

export type LocationKind = 'dot' | 'intersection' | 'endpoint' | 'on_circle' | 'center';

export interface Location extends Pt {
  kinds: Set<LocationKind>;
  /** Radius of the dot drawn there, if any. */
  radius?: number;
}

/** Filled blobs clearly thicker than the typical stroke; returned in page pixels. */
export function findDots(ink: Crop, dt: Float32Array, skeleton: Crop): Dot[] {
  const halfWidths: number[] = [];
  for (let i = 0; i < skeleton.data.length; i++) if (skeleton.data[i]) halfWidths.push(dt[i]!);
  if (!halfWidths.length) return [];
  halfWidths.sort((a, b) => a - b);
  const half = halfWidths[Math.floor(halfWidths.length / 2)]!;
  const threshold = Math.max(2 * half + 0.5, half + 1.5);
  const seen = new Uint8Array(dt.length);
  const dots: Dot[] = [];
  const { width: w, height: h } = ink;
  for (let start = 0; start < dt.length; start++) {
    if (seen[start] || dt[start]! < threshold) continue;
    // Flood the blob of thick pixels.
    const stack = [start];
    seen[start] = 1;
    let n = 0, sx = 0, sy = 0, peak = 0, x0 = w, x1 = 0, y0 = h, y1 = 0;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % w;
      const y = Math.floor(i / w);
      n++;
      sx += x;
      sy += y;
      peak = Math.max(peak, dt[i]!);
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      for (const j of [i - 1, i + 1, i - w, i + w]) {
        if (j >= 0 && j < dt.length && !seen[j] && dt[j]! >= threshold && Math.abs((j % w) - x) <= 1) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    // Round blobs only: thick elongated ink is a bold stroke or an arrowhead, not a point mark.
    if (Math.max(bw, bh) > 2.5 * Math.min(bw, bh) + 1) continue;
    // Thick against the strokes around it, not just against the page: where bold strokes meet
    // at a sharp angle the ink is thick too, but so are the strokes leaving it.
    const local = localHalfWidth(skeleton, dt, sx / n, sy / n, peak);
    if (local !== undefined && peak < Math.max(2 * local + 0.5, local + 1.5)) continue;
    const confidence = Math.max(0.3, Math.min(0.95, 0.55 + 0.2 * (peak / threshold - 1)));
    dots.push({ x: sx / n + ink.x0, y: sy / n + ink.y0, radius: peak, confidence });
  }
  return dots;
}

/** Median stroke half-width on the skeleton in a ring around a blob (crop coordinates). */
function localHalfWidth(skeleton: Crop, dt: Float32Array, cx: number, cy: number, peak: number): number | undefined {
  const inner = peak + 2;
  const outer = inner + Math.max(6, 3 * peak);
  const values: number[] = [];
  for (let y = Math.max(0, Math.floor(cy - outer)); y <= Math.min(skeleton.height - 1, Math.ceil(cy + outer)); y++) {
    for (let x = Math.max(0, Math.floor(cx - outer)); x <= Math.min(skeleton.width - 1, Math.ceil(cx + outer)); x++) {
      const i = y * skeleton.width + x;
      if (!skeleton.data[i]) continue;
      const d = Math.hypot(x - cx, y - cy);
      if (d >= inner && d <= outer) values.push(dt[i]!);
    }
  }
  if (values.length < 4) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/** Fraction of the straight path from a to b that lies on ink (sampled every pixel). */
export function inkCoverage(a: Pt, b: Pt, isInk: (x: number, y: number) => boolean): number {
  const steps = Math.max(1, Math.ceil(distance(a, b)));
  let hits = 0;
  for (let k = 0; k <= steps; k++) if (isInk(Math.round(a.x + ((b.x - a.x) * k) / steps), Math.round(a.y + ((b.y - a.y) * k) / steps))) hits++;
  return hits / (steps + 1);
}

/**
 * Moves segment ends onto the dot, circle or other segment they visibly end at: within `reach`,
 * or further when the way there is drawn (a chord running along its circle before meeting it).
 */
export function snapSegmentEnds(
  segments: PageSegment[], circles: readonly PageCircle[], dots: readonly Dot[], reach: number, isInk: (x: number, y: number) => boolean,
): void {
  for (const seg of segments) {
    for (const end of ['a', 'b'] as const) {
      const p = seg[end];
      const other = seg[end === 'a' ? 'b' : 'a'];
      const dot = dots.find((d) => distance(d, p) <= d.radius + reach);
      if (dot) {
        seg[end] = { x: dot.x, y: dot.y };
        continue;
      }
      const targets: Pt[] = [];
      for (const c of circles) targets.push(...lineCircle(other, p, c));
      for (const s of segments) {
        if (s === seg) continue;
        const q = lineIntersection(other, p, s.a, s.b);
        if (q && q.u >= -0.02 && q.u <= 1.02) targets.push({ x: q.x, y: q.y });
      }
      let best: Pt | undefined;
      let bestMove = Infinity;
      const length = distance(other, p);
      for (const q of targets) {
        const move = distance(q, p);
        const extends_ = distance(other, q) > length;
        const drawn = extends_ && move <= 4 * reach && inkCoverage(p, q, isInk) >= 0.9;
        if ((move <= reach || drawn) && move < bestMove) {
          bestMove = move;
          best = q;
        }
      }
      if (best) seg[end] = best;
    }
  }
}

/** Intersections of the infinite line through a and b with a circle. */
export function lineCircle(a: Pt, b: Pt, c: PageCircle): Pt[] {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const fx = a.x - c.cx;
  const fy = a.y - c.cy;
  const A = dx * dx + dy * dy;
  const B = 2 * (fx * dx + fy * dy);
  const C = fx * fx + fy * fy - c.r * c.r;
  const disc = B * B - 4 * A * C;
  if (A === 0 || disc < 0) return [];
  const root = Math.sqrt(disc);
  return [(-B - root) / (2 * A), (-B + root) / (2 * A)].map((t) => ({ x: a.x + t * dx, y: a.y + t * dy }));
}

/** Every place a point may be, merged when closer than `mergeRadius`. */
export function candidateLocations(dots: readonly Dot[], circles: readonly PageCircle[], segments: readonly PageSegment[], mergeRadius: number): Location[] {
  const raw: Array<{ p: Pt; kind: LocationKind; radius?: number }> = [];
  for (const d of dots) raw.push({ p: d, kind: 'dot', radius: d.radius });
  for (const c of circles) raw.push({ p: { x: c.cx, y: c.cy }, kind: 'center' });
  segments.forEach((s, i) => {
    raw.push({ p: s.a, kind: 'endpoint' }, { p: s.b, kind: 'endpoint' });
    const len = distance(s.a, s.b);
    const slack = 4 / Math.max(1, len);
    for (const t of segments.slice(i + 1)) {
      const q = lineIntersection(s.a, s.b, t.a, t.b);
      const slackT = 4 / Math.max(1, distance(t.a, t.b));
      if (q && q.t >= -slack && q.t <= 1 + slack && q.u >= -slackT && q.u <= 1 + slackT) raw.push({ p: { x: q.x, y: q.y }, kind: 'intersection' });
    }
    for (const c of circles) {
      for (const q of lineCircle(s.a, s.b, c)) {
        if (segmentDistance(q, s.a, s.b).distance <= 4) raw.push({ p: q, kind: 'on_circle' });
      }
    }
  });
  // Dots first, so a location sits on the drawn mark when there is one.
  const order: LocationKind[] = ['dot', 'intersection', 'on_circle', 'endpoint', 'center'];
  raw.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  const locations: Location[] = [];
  for (const r of raw) {
    const near = locations.find((l) => distance(l, r.p) <= Math.max(mergeRadius, l.radius ?? 0));
    if (near) near.kinds.add(r.kind);
    else locations.push({ x: r.p.x, y: r.p.y, kinds: new Set([r.kind]), ...(r.radius !== undefined ? { radius: r.radius } : {}) });
  }
  return locations;
}
