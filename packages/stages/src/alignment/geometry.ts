/**
 * Plane geometry on diagram coordinates (pixels, origin top-left) that alignment and the semantic
 * graph share: distances between points, boxes and segments, and segment intersections.
 */
import type { BBox } from '@mpp/schemas';

export interface Pt {
  x: number;
  y: number;
}

export function distance(a: Pt, b: Pt): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function boxCentre(box: BBox): Pt {
  return { x: box.x + box.w / 2, y: box.y + box.h / 2 };
}

/** Distance from a point to the nearest point of a box (0 inside it). */
export function pointToBoxDistance(p: Pt, box: BBox): number {
  const dx = Math.max(box.x - p.x, 0, p.x - (box.x + box.w));
  const dy = Math.max(box.y - p.y, 0, p.y - (box.y + box.h));
  return Math.hypot(dx, dy);
}

/** Gap between two boxes (0 when they touch or overlap). */
export function boxGap(a: BBox, b: BBox): number {
  const dx = Math.max(0, a.x - (b.x + b.w), b.x - (a.x + a.w));
  const dy = Math.max(0, a.y - (b.y + b.h), b.y - (a.y + a.h));
  return Math.hypot(dx, dy);
}

/** Smallest box holding all the given boxes; undefined for none. */
export function unionBox(boxes: readonly BBox[]): BBox | undefined {
  if (boxes.length === 0) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.w);
    y1 = Math.max(y1, b.y + b.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export interface Projection {
  /** Position along the segment: 0 at its start, 1 at its end (unclamped). */
  t: number;
  /** Perpendicular distance to the segment's supporting line. */
  offset: number;
  /** Distance to the segment itself (to the nearest end when the projection falls outside). */
  distance: number;
}

export function projectOntoSegment(p: Pt, a: Pt, b: Pt): Projection {
  const vx = b.x - a.x;
  const vy = b.y - a.y;
  const len2 = vx * vx + vy * vy;
  if (len2 === 0) {
    const d = distance(p, a);
    return { t: 0, offset: d, distance: d };
  }
  const t = ((p.x - a.x) * vx + (p.y - a.y) * vy) / len2;
  const offset = Math.abs((p.x - a.x) * vy - (p.y - a.y) * vx) / Math.sqrt(len2);
  const clamped = Math.min(1, Math.max(0, t));
  const nearest = { x: a.x + clamped * vx, y: a.y + clamped * vy };
  return { t, offset, distance: distance(p, nearest) };
}

/**
 * Where two segments cross, when they do (each within `slack` pixels of its ends, so a chord
 * drawn a pixel short still meets the radius it touches). Parallel segments never intersect here.
 */
export function segmentIntersection(a1: Pt, a2: Pt, b1: Pt, b2: Pt, slack = 0): Pt | undefined {
  const rx = a2.x - a1.x;
  const ry = a2.y - a1.y;
  const sx = b2.x - b1.x;
  const sy = b2.y - b1.y;
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-9) return undefined;
  const qx = b1.x - a1.x;
  const qy = b1.y - a1.y;
  const t = (qx * sy - qy * sx) / denom;
  const u = (qx * ry - qy * rx) / denom;
  const lenA = Math.hypot(rx, ry) || 1;
  const lenB = Math.hypot(sx, sy) || 1;
  const ta = slack / lenA;
  const tb = slack / lenB;
  if (t < -ta || t > 1 + ta || u < -tb || u > 1 + tb) return undefined;
  return { x: a1.x + t * rx, y: a1.y + t * ry };
}

/** Angle of `p` seen from `centre`, in degrees counter-clockwise from +x (image y points down). */
export function polarAngle(centre: Pt, p: Pt): number {
  const deg = (Math.atan2(centre.y - p.y, p.x - centre.x) * 180) / Math.PI;
  return deg < 0 ? deg + 360 : deg;
}

/** Point on a circle at `deg` degrees counter-clockwise from +x. */
export function pointAtAngle(centre: Pt, radius: number, deg: number): Pt {
  const rad = (deg * Math.PI) / 180;
  return { x: centre.x + radius * Math.cos(rad), y: centre.y - radius * Math.sin(rad) };
}

export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** 1 at distance 0, 0.5 at `tolerance`, 0 at twice the tolerance and beyond. */
export function closeness(dist: number, tolerance: number): number {
  if (tolerance <= 0) return dist === 0 ? 1 : 0;
  return clamp01(1 - dist / (2 * tolerance));
}
