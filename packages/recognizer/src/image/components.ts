/**
 * Binarisation (Otsu) and 8-connected components: the raw material of segmentation. A component
 * keeps its box, its pixel count and its label in a shared label map, so a symbol's ink can be
 * cut out without the neighbours that stick into its box.
 */
import type { InkImage } from './ink-image';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Component extends Box {
  id: number;
  area: number;
}

export interface ComponentMap {
  width: number;
  height: number;
  /** Component id + 1 per pixel, 0 for paper. */
  labels: Int32Array;
  components: Component[];
}

/** Otsu's threshold on ink darkness, kept within a sane band so clean renders and scans agree. */
export function otsuThreshold(img: InkImage): number {
  const hist = new Float64Array(256);
  for (let i = 0; i < img.data.length; i++) hist[img.data[i]!]! += 1;
  const total = img.data.length;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * hist[v]!;
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let threshold = 128;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return Math.min(160, Math.max(70, threshold));
}

export function binarize(img: InkImage, threshold = otsuThreshold(img)): Uint8Array {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) out[i] = img.data[i]! > threshold ? 1 : 0;
  return out;
}

/** Labels 8-connected ink; components below `minArea` pixels (specks) are dropped. */
export function connectedComponents(mask: Uint8Array, width: number, height: number, minArea = 1): ComponentMap {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = components.length;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    let area = 0;
    labels[start] = id + 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = id + 1;
            stack.push(q);
          }
        }
      }
    }
    components.push({ id, x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1, area });
  }
  if (minArea > 1) {
    const kept = components.filter((c) => c.area >= minArea);
    if (kept.length !== components.length) {
      const keep = new Set(kept.map((c) => c.id));
      for (let i = 0; i < labels.length; i++) if (labels[i] && !keep.has(labels[i]! - 1)) labels[i] = 0;
    }
    return { width, height, labels, components: kept };
  }
  return { width, height, labels, components };
}

export function unionBox(boxes: readonly Box[]): Box {
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
