/**
 * Shapes recognised by geometry rather than by template: horizontal rules (fraction bars, minus
 * signs, overlines, whose length varies freely) and radical signs (surd fused with its vinculum,
 * whose width follows the radicand). Both are decided from the component's own pixels.
 */
import type { Component, ComponentMap } from '../image/components';
import type { InkImage } from '../image/ink-image';

/** A filled, flat, wide component: a rule of any length. */
export function isHorizontalRule(c: Component, emHint: number): boolean {
  if (c.w < 3) return false;
  const fill = c.area / (c.w * c.h);
  const thin = c.h <= Math.max(2, 0.16 * emHint) + (c.w > emHint ? 1 : 0);
  return thin && c.w >= 2.2 * c.h && fill >= 0.7;
}

export interface RadicalShape {
  /** Column where the vinculum starts (end of the surd), relative to the image. */
  barStart: number;
  /** Thickness of the vinculum in pixels. */
  barThickness: number;
}

/**
 * A radical: the top rows hold a long horizontal run ending at the component's right edge, the
 * area under that run is (nearly) empty of this component, and the left part reaches down to the
 * bottom of the box (the surd's tick).
 */
export function radicalShape(c: Component, map: ComponentMap): RadicalShape | undefined {
  if (c.h < 6 || c.w < 5) return undefined;
  const own = c.id + 1;
  const at = (x: number, y: number): boolean => map.labels[y * map.width + x] === own;
  // The vinculum: within the top 3 rows, the longest run touching the right edge.
  let barStart = -1;
  let barThickness = 0;
  for (let dy = 0; dy < Math.min(4, c.h); dy++) {
    const y = c.y + dy;
    let x = c.x + c.w - 1;
    if (!at(x, y) && !at(x - 1, y)) continue;
    while (x > c.x && (at(x - 1, y) || at(x - 2, y))) x--;
    if (barStart < 0 || x < barStart) barStart = x;
    barThickness++;
  }
  if (barStart < 0) return undefined;
  const barLength = c.x + c.w - barStart;
  // The vinculum spans the radicand: long against the sign's height (an integral's or an f's
  // top hook is short).
  if (barLength < 0.35 * c.w || barLength < 3 || barLength < 0.3 * c.h) return undefined;
  // Under the vinculum (away from the surd), this component has almost no ink.
  const innerX0 = barStart + Math.max(2, Math.round(0.15 * c.h));
  let inner = 0;
  let innerArea = 0;
  for (let y = c.y + barThickness + 1; y < c.y + c.h; y++) {
    for (let x = innerX0; x < c.x + c.w; x++) {
      innerArea++;
      if (at(x, y)) inner++;
    }
  }
  if (innerArea > 0 && inner / innerArea > 0.04) return undefined;
  // The tick reaches the bottom rows somewhere left of the vinculum's start.
  let reachesBottom = false;
  for (let x = c.x; x <= Math.min(c.x + c.w - 1, barStart + 2) && !reachesBottom; x++) {
    for (let y = c.y + c.h - Math.max(1, Math.round(c.h * 0.12)); y < c.y + c.h; y++) {
      if (at(x, y)) {
        reachesBottom = true;
        break;
      }
    }
  }
  if (!reachesBottom) return undefined;
  // The surd rises from lower left to the top: its left columns hold no ink in the top rows.
  const surdWidth = barStart - c.x;
  if (surdWidth < Math.max(2, 0.25 * Math.min(c.h, 40))) return undefined;
  return { barStart, barThickness };
}

/**
 * How wavy a short flat mark is: the ink's centre of gravity in each column (grey levels give it
 * to a fraction of a pixel), less the straight line through those centres, as the range of what
 * is left, in pixels. A bar stays within about 0.15 px of its line; a tilde of 2-3 px height
 * swings 0.25-0.5 px from 20 px/em up (below that, blur flattens it and neither reading is
 * safe). The end columns, where the caps are rounded, are left out.
 */
export function waviness(img: InkImage, c: Component): number {
  const centres: number[] = [];
  for (let x = c.x + 1; x < c.x + c.w - 1; x++) {
    let sum = 0;
    let moment = 0;
    for (let y = Math.max(0, c.y - 1); y <= Math.min(img.height - 1, c.y + c.h); y++) {
      const v = img.data[y * img.width + x]!;
      sum += v;
      moment += v * y;
    }
    if (sum > 0) centres.push(moment / sum);
  }
  const n = centres.length;
  if (n < 3) return 0;
  const xMean = (n - 1) / 2;
  const yMean = centres.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  centres.forEach((y, i) => {
    sxy += (i - xMean) * (y - yMean);
    sxx += (i - xMean) ** 2;
  });
  const slope = sxy / sxx;
  const residuals = centres.map((y, i) => y - (yMean + slope * (i - xMean)));
  return Math.max(...residuals) - Math.min(...residuals);
}
