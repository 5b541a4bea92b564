/**
 * Circles in a diagram: a gradient-style Hough transform on the skeleton (each centre-line pixel
 * votes along its normal, both ways, for every radius in range), then for each centre peak the
 * radius with the most skeleton pixels at that distance, an algebraic least-squares refit on
 * those pixels, and a check against the ink: how much of the circumference is actually drawn.
 * Confidence combines that coverage with the fit's residual.
 */
import { fitCircle, localNormals, type Pt } from './fitting';
import type { Crop } from './morphology';

export interface CircleFit {
  /** Crop coordinates. */
  cx: number;
  cy: number;
  r: number;
  /** Fraction of the circumference with ink on it. */
  coverage: number;
  /** RMS distance of the supporting skeleton pixels from the fitted circle. */
  rms: number;
  confidence: number;
}

export interface CircleSearch {
  minRadius: number;
  maxRadius: number;
}

const MIN_COVERAGE = 0.6;

/** Fraction of the circle's circumference that has ink within `tolerance` of it. */
export function circleCoverage(ink: Crop, cx: number, cy: number, r: number, tolerance = 2): number {
  const samples = Math.max(24, Math.ceil(2 * Math.PI * r));
  let hits = 0;
  for (let k = 0; k < samples; k++) {
    const a = (2 * Math.PI * k) / samples;
    const c = Math.cos(a);
    const s = Math.sin(a);
    for (let dr = -tolerance; dr <= tolerance; dr += 0.5) {
      const x = Math.round(cx + (r + dr) * c);
      const y = Math.round(cy + (r + dr) * s);
      if (x >= 0 && y >= 0 && x < ink.width && y < ink.height && ink.data[y * ink.width + x]) {
        hits++;
        break;
      }
    }
  }
  return hits / samples;
}

function voteCentres(points: readonly Pt[], normals: ReadonlyArray<Pt | undefined>, w: number, h: number, search: CircleSearch): Float32Array {
  const acc = new Float32Array(w * h);
  points.forEach((p, i) => {
    const n = normals[i];
    if (!n) return;
    for (let r = search.minRadius; r <= search.maxRadius; r++) {
      for (const sign of [1, -1]) {
        const x = Math.round(p.x + sign * r * n.x);
        const y = Math.round(p.y + sign * r * n.y);
        if (x >= 0 && y >= 0 && x < w && y < h) acc[y * w + x]!++;
      }
    }
  });
  // Sum over a 5x5 window: normals are a few degrees off, which spreads votes at large radii.
  const summed = new Float32Array(w * h);
  const rows = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) if (x + d >= 0 && x + d < w) s += acc[y * w + x + d]!;
      rows[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let d = -2; d <= 2; d++) if (y + d >= 0 && y + d < h) s += rows[(y + d) * w + x]!;
      summed[y * w + x] = s;
    }
  }
  return summed;
}

/** Radii (in whole pixels) at which many skeleton pixels sit from the centre, best first. */
function radiusPeaks(points: readonly Pt[], cx: number, cy: number, search: CircleSearch): number[] {
  const hist = new Float32Array(search.maxRadius + 3);
  for (const p of points) {
    const d = Math.round(Math.hypot(p.x - cx, p.y - cy));
    if (d >= search.minRadius - 1 && d <= search.maxRadius + 1) hist[d]!++;
  }
  const scored: Array<{ r: number; support: number }> = [];
  for (let r = search.minRadius; r <= search.maxRadius; r++) {
    const support = hist[r - 1]! + hist[r]! + hist[r + 1]!;
    // Normalised by circumference so small circles compete with large ones.
    if (support >= 0.45 * 2 * Math.PI * r) scored.push({ r, support: support / (2 * Math.PI * r) });
  }
  scored.sort((a, b) => b.support - a.support);
  const picked: number[] = [];
  for (const s of scored) if (picked.every((r) => Math.abs(r - s.r) > 4)) picked.push(s.r);
  return picked.slice(0, 3);
}

/** Circles drawn in the crop; `skeleton` holds the centre lines, `ink` the full strokes. */
export function findCircles(skeleton: Crop, ink: Crop, search: CircleSearch): CircleFit[] {
  const { width: w, height: h } = skeleton;
  if (search.maxRadius < search.minRadius) return [];
  const points: Pt[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (skeleton.data[y * w + x]) points.push({ x, y });
  const normals = localNormals(skeleton, points, 3);
  const acc = voteCentres(points, normals, w, h, search);
  const found: CircleFit[] = [];
  const minVotes = 0.5 * 2 * Math.PI * search.minRadius;
  for (let attempt = 0; attempt < 6; attempt++) {
    let best = -1;
    for (let i = 0; i < acc.length; i++) if (best < 0 || acc[i]! > acc[best]!) best = i;
    if (best < 0 || acc[best]! < minVotes) break;
    const px = best % w;
    const py = Math.floor(best / w);
    // Clear the neighbourhood so the next attempt looks elsewhere.
    const clear = Math.max(3, Math.round(search.minRadius / 2));
    for (let y = Math.max(0, py - clear); y <= Math.min(h - 1, py + clear); y++) {
      for (let x = Math.max(0, px - clear); x <= Math.min(w - 1, px + clear); x++) acc[y * w + x] = 0;
    }
    for (const r0 of radiusPeaks(points, px, py, search)) {
      const circle = refine(points, ink, px, py, r0);
      if (!circle || circle.coverage < MIN_COVERAGE) continue;
      const duplicate = found.some((f) => Math.hypot(f.cx - circle.cx, f.cy - circle.cy) < 4 && Math.abs(f.r - circle.r) < 4);
      if (!duplicate) found.push(circle);
    }
  }
  return found;
}

function refine(points: readonly Pt[], ink: Crop, cx0: number, cy0: number, r0: number): CircleFit | undefined {
  let cx = cx0;
  let cy = cy0;
  let r = r0;
  let support: Pt[] = [];
  for (const band of [3, 2]) {
    support = points.filter((p) => Math.abs(Math.hypot(p.x - cx, p.y - cy) - r) <= band);
    if (support.length < 8) return undefined;
    const fit = fitCircle(support);
    if (!fit || Math.hypot(fit.cx - cx, fit.cy - cy) > 0.3 * r + 3) return undefined;
    ({ cx, cy, r } = fit);
  }
  const rms = Math.sqrt(support.reduce((s, p) => s + (Math.hypot(p.x - cx, p.y - cy) - r) ** 2, 0) / support.length);
  const coverage = circleCoverage(ink, cx, cy, r);
  const confidence = Math.min(1, Math.sqrt(coverage) / (1 + (rms / 2) ** 2));
  return { cx, cy, r, coverage, rms, confidence };
}
