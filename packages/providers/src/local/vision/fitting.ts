/**
 * Small least-squares fits shared by the geometry modules: total-least-squares lines, algebraic
 * (Kasa) circles, local stroke normals from the skeleton, and point/segment distances.
 */
import type { Crop } from './morphology';

export interface Pt {
  x: number;
  y: number;
}

export interface LineFit {
  /** A point on the line (the centroid of the fitted pixels). */
  px: number;
  py: number;
  /** Unit direction. */
  dx: number;
  dy: number;
  /** RMS perpendicular distance of the pixels. */
  rms: number;
}

/** Principal direction of a point cloud; undefined for fewer than two points. */
export function fitLine(points: readonly Pt[]): LineFit | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  let sq = 0;
  for (const p of points) sq += ((p.x - mx) * -dy + (p.y - my) * dx) ** 2;
  return { px: mx, py: my, dx, dy, rms: Math.sqrt(sq / n) };
}

/** Algebraic circle fit x² + y² + ax + by + c = 0 solved by least squares (Kasa). */
export function fitCircle(points: readonly Pt[]): { cx: number; cy: number; r: number } | undefined {
  if (points.length < 3) return undefined;
  // Centre the data first for numerical stability.
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let suu = 0, suv = 0, svv = 0, suuu = 0, svvv = 0, suvv = 0, svuu = 0;
  for (const p of points) {
    const u = p.x - mx;
    const v = p.y - my;
    suu += u * u;
    suv += u * v;
    svv += v * v;
    suuu += u * u * u;
    svvv += v * v * v;
    suvv += u * v * v;
    svuu += v * u * u;
  }
  const det = suu * svv - suv * suv;
  if (Math.abs(det) < 1e-9) return undefined;
  const b1 = 0.5 * (suuu + suvv);
  const b2 = 0.5 * (svvv + svuu);
  const uc = (b1 * svv - b2 * suv) / det;
  const vc = (suu * b2 - suv * b1) / det;
  const r = Math.sqrt(uc * uc + vc * vc + (suu + svv) / n);
  return Number.isFinite(r) ? { cx: uc + mx, cy: vc + my, r } : undefined;
}

/**
 * Unit normal of the skeleton at each point, from the principal direction of the skeleton pixels
 * within `radius`; undefined where the neighbourhood is not line-like (ends, junctions).
 */
export function localNormals(skeleton: Crop, points: readonly Pt[], radius: number): Array<Pt | undefined> {
  const { width: w, height: h, data } = skeleton;
  return points.map((p) => {
    let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    for (let y = Math.max(0, p.y - radius); y <= Math.min(h - 1, p.y + radius); y++) {
      for (let x = Math.max(0, p.x - radius); x <= Math.min(w - 1, p.x + radius); x++) {
        if (!data[y * w + x]) continue;
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
      }
    }
    if (n < 4) return undefined;
    const cxx = sxx / n - (sx / n) ** 2;
    const cxy = sxy / n - (sx / n) * (sy / n);
    const cyy = syy / n - (sy / n) ** 2;
    const trace = cxx + cyy;
    const disc = Math.sqrt(((cxx - cyy) / 2) ** 2 + cxy * cxy);
    const major = trace / 2 + disc;
    const minor = trace / 2 - disc;
    if (major <= 0 || minor / major > 0.2) return undefined;
    const angle = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
    return { x: -Math.sin(angle), y: Math.cos(angle) };
  });
}

/** Distance from a point to the segment a-b, and the position t (0 at a, 1 at b) of its foot. */
export function segmentDistance(p: Pt, a: Pt, b: Pt): { distance: number; t: number } {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const len2 = vx * vx + vy * vy;
  const t = len2 === 0 ? 0 : ((p.x - a.x) * vx + (p.y - a.y) * vy) / len2;
  const c = Math.max(0, Math.min(1, t));
  return { distance: Math.hypot(p.x - (a.x + c * vx), p.y - (a.y + c * vy)), t };
}

/** Intersection of the infinite lines through a-b and c-d, with each one's parameter. */
export function lineIntersection(a: Pt, b: Pt, c: Pt, d: Pt): { x: number; y: number; t: number; u: number } | undefined {
  const rx = b.x - a.x;
  const ry = b.y - a.y;
  const sx = d.x - c.x;
  const sy = d.y - c.y;
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-9 * Math.hypot(rx, ry) * Math.hypot(sx, sy) || denom === 0) return undefined;
  const t = ((c.x - a.x) * sy - (c.y - a.y) * sx) / denom;
  const u = ((c.x - a.x) * ry - (c.y - a.y) * rx) / denom;
  return { x: a.x + t * rx, y: a.y + t * ry, t, u };
}

export const distance = (a: Pt, b: Pt): number => Math.hypot(a.x - b.x, a.y - b.y);
