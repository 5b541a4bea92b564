/**
 * Binary morphology on a diagram's crop: the stroke mask itself, Zhang-Suen thinning to one-pixel
 * centre lines (what the Hough transforms vote with, so thick strokes do not smear the votes), and
 * a chamfer distance transform (stroke width, and filled dots that are much thicker than strokes).
 */
import type { Component, ComponentMap } from './components';

/** A binary image cut out of the page; `x0`, `y0` place it back in page pixels. */
export interface Crop {
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** 1 = ink. */
  data: Uint8Array;
}

/** The pixels of the given components only, in a crop of their bounds plus a margin. */
export function cropComponents(map: ComponentMap, components: readonly Component[], margin = 2): Crop {
  const x0 = Math.max(0, Math.min(...components.map((c) => c.x0)) - margin);
  const y0 = Math.max(0, Math.min(...components.map((c) => c.y0)) - margin);
  const x1 = Math.min(map.width - 1, Math.max(...components.map((c) => c.x1)) + margin);
  const y1 = Math.min(map.height - 1, Math.max(...components.map((c) => c.y1)) + margin);
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const wanted = new Set(components.map((c) => c.label));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const label = map.labels[(y + y0) * map.width + (x + x0)]!;
      if (label && wanted.has(label)) data[y * width + x] = 1;
    }
  }
  return { x0, y0, width, height, data };
}

/** Zhang-Suen thinning; returns a new crop whose ink is the one-pixel skeleton. */
export function thin(crop: Crop): Crop {
  const { width: w, height: h } = crop;
  // One pixel of background all round, so neighbour reads need no bounds checks.
  const W = w + 2;
  const img = new Uint8Array(W * (h + 2));
  for (let y = 0; y < h; y++) img.set(crop.data.subarray(y * w, y * w + w), (y + 1) * W + 1);
  let active: number[] = [];
  for (let i = 0; i < img.length; i++) if (img[i]) active.push(i);
  const toClear: number[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (let pass = 0; pass < 2; pass++) {
      toClear.length = 0;
      for (const i of active) {
        if (!img[i]) continue;
        // Neighbours clockwise from north: P2..P9.
        const p2 = img[i - W]!, p3 = img[i - W + 1]!, p4 = img[i + 1]!, p5 = img[i + W + 1]!;
        const p6 = img[i + W]!, p7 = img[i + W - 1]!, p8 = img[i - 1]!, p9 = img[i - W - 1]!;
        const count = p2 + p3 + p4 + p5 + p6 + p7 + p8 + p9;
        if (count < 2 || count > 6) continue;
        const transitions =
          (+(!p2 && p3)) + (+(!p3 && p4)) + (+(!p4 && p5)) + (+(!p5 && p6)) + (+(!p6 && p7)) + (+(!p7 && p8)) + (+(!p8 && p9)) + (+(!p9 && p2));
        if (transitions !== 1) continue;
        const clear = pass === 0 ? p2 * p4 * p6 === 0 && p4 * p6 * p8 === 0 : p2 * p4 * p8 === 0 && p2 * p6 * p8 === 0;
        if (clear) toClear.push(i);
      }
      for (const i of toClear) img[i] = 0;
      if (toClear.length) changed = true;
    }
    active = active.filter((i) => img[i]);
  }
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) data.set(img.subarray((y + 1) * W + 1, (y + 1) * W + 1 + w), y * w);
  return { ...crop, data };
}

/**
 * Chamfer (3-4) distance of each ink pixel to the nearest background pixel, in pixels
 * (1 on the border of a stroke). Background pixels get 0.
 */
export function distanceTransform(crop: Crop): Float32Array {
  const { width: w, height: h, data } = crop;
  const big = 1e6;
  const d = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = data[i] ? big : 0;
  const get = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : d[y * w + x]!);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!d[i]) continue;
      d[i] = Math.min(d[i]!, get(x - 1, y) + 3, get(x, y - 1) + 3, get(x - 1, y - 1) + 4, get(x + 1, y - 1) + 4);
    }
  }
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!d[i]) continue;
      d[i] = Math.min(d[i]!, get(x + 1, y) + 3, get(x, y + 1) + 3, get(x + 1, y + 1) + 4, get(x - 1, y + 1) + 4);
    }
  }
  for (let i = 0; i < d.length; i++) d[i] = d[i]! / 3;
  return d;
}

/** Coordinates (crop pixels) of the ink pixels of a crop. */
export function inkPoints(crop: Crop): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) if (crop.data[y * crop.width + x]) out.push({ x, y });
  }
  return out;
}
