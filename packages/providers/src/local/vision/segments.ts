/**
 * Straight segments in a diagram: a (ρ, θ) Hough transform over the skeleton pixels that no
 * circle explains, taken peak by peak. For each peak the pixels near the line are ordered along
 * it and cut where the ink has a gap; the longest dense run is refitted by total least squares,
 * becomes a segment, and its pixels leave the accumulator. Collinear pieces separated by small
 * gaps (a label drawn over a line, a crossing thinned away) are merged at the end.
 */
import { fitLine, type LineFit, type Pt } from './fitting';
import type { Crop } from './morphology';

export interface SegmentFit {
  /** Crop coordinates of the two ends. */
  a: Pt;
  b: Pt;
  /** Skeleton pixels supporting it. */
  pixels: number;
  /** Fraction of its length that has ink (1 for a solid line). */
  density: number;
  rms: number;
  confidence: number;
}

export interface SegmentSearch {
  minLength: number;
  /** Largest gap in the ink tolerated inside one segment. */
  maxGap: number;
  /** Largest gap bridged when merging collinear pieces. */
  mergeGap: number;
}

const THETA_STEPS = 180;
const BAND = 1.5;

interface Run {
  points: Pt[];
  t0: number;
  t1: number;
}

/** Ordered runs of the given points along a line, split where consecutive points are far apart. */
function runsAlong(points: Pt[], ox: number, oy: number, dx: number, dy: number, maxGap: number): Run[] {
  const withT = points.map((p) => ({ p, t: (p.x - ox) * dx + (p.y - oy) * dy })).sort((a, b) => a.t - b.t);
  const runs: Run[] = [];
  let current: Run | undefined;
  for (const { p, t } of withT) {
    if (!current || t - current.t1 > maxGap) {
      current = { points: [], t0: t, t1: t };
      runs.push(current);
    }
    current.points.push(p);
    current.t1 = t;
  }
  return runs;
}

export function findSegments(skeleton: Crop, search: SegmentSearch): SegmentFit[] {
  const { width: w, height: h } = skeleton;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (skeleton.data[y * w + x]) (xs.push(x), ys.push(y));
  const alive = new Uint8Array(xs.length).fill(1);
  const cos = Float64Array.from({ length: THETA_STEPS }, (_, k) => Math.cos((Math.PI * k) / THETA_STEPS));
  const sin = Float64Array.from({ length: THETA_STEPS }, (_, k) => Math.sin((Math.PI * k) / THETA_STEPS));
  const maxRho = Math.ceil(Math.hypot(w, h));
  const rhoBins = 2 * maxRho + 1;
  const acc = new Int32Array(THETA_STEPS * rhoBins);
  const vote = (i: number, delta: number): void => {
    for (let k = 0; k < THETA_STEPS; k++) acc[k * rhoBins + Math.round(xs[i]! * cos[k]! + ys[i]! * sin[k]!) + maxRho]! += delta;
  };
  for (let i = 0; i < xs.length; i++) vote(i, 1);
  const dead = new Uint8Array(acc.length);
  const found: SegmentFit[] = [];
  const minVotes = Math.max(6, 0.6 * search.minLength);
  for (let iteration = 0; iteration < 150; iteration++) {
    let best = -1;
    for (let i = 0; i < acc.length; i++) if (!dead[i] && (best < 0 || acc[i]! > acc[best]!)) best = i;
    if (best < 0 || acc[best]! < minVotes) break;
    const k = Math.floor(best / rhoBins);
    const rho = (best % rhoBins) - maxRho;
    const segment = extract(xs, ys, alive, cos[k]!, sin[k]!, rho, search);
    if (!segment) {
      dead[best] = 1;
      continue;
    }
    for (const i of segment.members) {
      alive[i] = 0;
      vote(i, -1);
    }
    found.push(segment.fit);
  }
  return mergeCollinear(found, search.mergeGap);
}

function longest(runs: Run[]): Run | undefined {
  return runs.reduce<Run | undefined>((a, r) => (!a || r.points.length > a.points.length ? r : a), undefined);
}

function extract(
  xs: number[], ys: number[], alive: Uint8Array, c: number, s: number, rho: number, search: SegmentSearch,
): { fit: SegmentFit; members: number[] } | undefined {
  // The Hough line x·c + y·s = rho has direction (-s, c).
  const seed: Pt[] = [];
  for (let i = 0; i < xs.length; i++) if (alive[i] && Math.abs(xs[i]! * c + ys[i]! * s - rho) <= BAND) seed.push({ x: xs[i]!, y: ys[i]! });
  let run = longest(runsAlong(seed, 0, 0, -s, c, search.maxGap));
  if (!run || run.t1 - run.t0 < search.minLength) return undefined;
  // Refit on the run and collect again around the refined line, which may reach further than
  // the coarse Hough cell did; keep the run that contains the previous run's centre.
  let line = fitLine(run.points);
  let members: number[] = [];
  for (let pass = 0; pass < 2 && line && run; pass++) {
    const fitted: LineFit = line;
    const centre: Pt = run.points[Math.floor(run.points.length / 2)]!;
    const near: Pt[] = [];
    const index = new Map<Pt, number>();
    for (let i = 0; i < xs.length; i++) {
      if (!alive[i] || Math.abs((xs[i]! - fitted.px) * -fitted.dy + (ys[i]! - fitted.py) * fitted.dx) > BAND) continue;
      const p = { x: xs[i]!, y: ys[i]! };
      near.push(p);
      index.set(p, i);
    }
    const runs = runsAlong(near, fitted.px, fitted.py, fitted.dx, fitted.dy, search.maxGap);
    const tCentre: number = (centre.x - fitted.px) * fitted.dx + (centre.y - fitted.py) * fitted.dy;
    run = runs.find((r) => r.t0 - 1.5 <= tCentre && tCentre <= r.t1 + 1.5) ?? longest(runs);
    if (!run) return undefined;
    members = run.points.map((p) => index.get(p)!);
    line = fitLine(run.points);
  }
  if (!line || !run) return undefined;
  const proj = run.points.map((p) => (p.x - line!.px) * line!.dx + (p.y - line!.py) * line!.dy);
  const t0 = Math.min(...proj);
  const t1 = Math.max(...proj);
  const length = t1 - t0;
  const density = Math.min(1, run.points.length / (length * Math.max(Math.abs(line.dx), Math.abs(line.dy)) + 1));
  if (length < search.minLength || density < 0.6) return undefined;
  const a = { x: line.px + t0 * line.dx, y: line.py + t0 * line.dy };
  const b = { x: line.px + t1 * line.dx, y: line.py + t1 * line.dy };
  const lengthScore = Math.min(1, length / (3 * search.minLength));
  const confidence = Math.min(1, (density * (0.6 + 0.4 * lengthScore)) / (1 + line.rms ** 2));
  return { fit: { a, b, pixels: run.points.length, density, rms: line.rms, confidence }, members };
}

/** Joins pairs of nearly collinear segments whose facing ends are at most `maxGap` apart. */
export function mergeCollinear(segments: SegmentFit[], maxGap: number): SegmentFit[] {
  const list = [...segments];
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const joined = tryJoin(list[i]!, list[j]!, maxGap);
        if (joined) {
          list.splice(j, 1);
          list[i] = joined;
          merged = true;
          break outer;
        }
      }
    }
  }
  return list;
}

function tryJoin(p: SegmentFit, q: SegmentFit, maxGap: number): SegmentFit | undefined {
  const len = (s: SegmentFit): number => Math.hypot(s.b.x - s.a.x, s.b.y - s.a.y);
  const [long, short] = len(p) >= len(q) ? [p, q] : [q, p];
  const L = len(long);
  const dx = (long.b.x - long.a.x) / L;
  const dy = (long.b.y - long.a.y) / L;
  const sl = len(short);
  const cosAngle = Math.abs(((short.b.x - short.a.x) * dx + (short.b.y - short.a.y) * dy) / sl);
  if (cosAngle < Math.cos((3 * Math.PI) / 180)) return undefined;
  const perp = (pt: Pt): number => Math.abs((pt.x - long.a.x) * -dy + (pt.y - long.a.y) * dx);
  if (perp(short.a) > 2.5 || perp(short.b) > 2.5) return undefined;
  const along = (pt: Pt): number => (pt.x - long.a.x) * dx + (pt.y - long.a.y) * dy;
  const s0 = Math.min(along(short.a), along(short.b));
  const s1 = Math.max(along(short.a), along(short.b));
  const gap = Math.max(0, s0 - L, -s1);
  if (gap > maxGap) return undefined;
  const t0 = Math.min(0, s0);
  const t1 = Math.max(L, s1);
  const total = L + sl;
  return {
    a: { x: long.a.x + t0 * dx, y: long.a.y + t0 * dy },
    b: { x: long.a.x + t1 * dx, y: long.a.y + t1 * dy },
    pixels: long.pixels + short.pixels,
    density: (long.density * L + short.density * sl) / total,
    rms: (long.rms * L + short.rms * sl) / total,
    confidence: (long.confidence * L + short.confidence * sl) / total,
  };
}
