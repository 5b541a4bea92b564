/**
 * Connected components of an ink mask (8-connectivity), labelled in two passes with a union-find
 * over provisional labels, with the statistics layout analysis needs: bounds, pixel count,
 * centroid. Also the small box helpers shared by the other vision modules.
 */
import type { BBox } from '@mpp/schemas';
import type { InkMask } from './raster';

export interface Component {
  /** Label in the label map (1-based; 0 is background). */
  label: number;
  /** Inclusive pixel bounds. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Number of ink pixels. */
  area: number;
  cx: number;
  cy: number;
}

export interface ComponentMap {
  width: number;
  height: number;
  /** Per pixel, the label of its component (0 = background). */
  labels: Int32Array;
  /** Indexed by label - 1. */
  components: Component[];
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]!]!;
    x = parent[x]!;
  }
  return x;
}

/** Labels every 8-connected ink blob of the mask. */
export function labelComponents(mask: InkMask): ComponentMap {
  const { width, height, data } = mask;
  const provisional = new Int32Array(width * height);
  // At most one new provisional label per ink pixel; grown lazily would cost more than it saves.
  let parent = new Int32Array(1024);
  let next = 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!data[i]) continue;
      // Already-visited neighbours: W, NW, N, NE.
      let label = 0;
      const neighbours = [
        x > 0 ? provisional[i - 1]! : 0,
        x > 0 && y > 0 ? provisional[i - width - 1]! : 0,
        y > 0 ? provisional[i - width]! : 0,
        x + 1 < width && y > 0 ? provisional[i - width + 1]! : 0,
      ];
      for (const n of neighbours) {
        if (!n) continue;
        if (!label) label = find(parent, n);
        else {
          const a = find(parent, n);
          if (a !== label) {
            const lo = Math.min(a, label);
            parent[Math.max(a, label)] = lo;
            label = lo;
          }
        }
      }
      if (!label) {
        if (next >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        label = next++;
      }
      provisional[i] = label;
    }
  }
  // Second pass: compact roots to 1..n and gather statistics.
  const compact = new Int32Array(next);
  const components: Component[] = [];
  const sums: Array<[number, number]> = [];
  const labels = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = provisional[i]!;
      if (!p) continue;
      const root = find(parent, p);
      let label = compact[root]!;
      if (!label) {
        label = components.length + 1;
        compact[root] = label;
        components.push({ label, x0: x, y0: y, x1: x, y1: y, area: 0, cx: 0, cy: 0 });
        sums.push([0, 0]);
      }
      labels[i] = label;
      const c = components[label - 1]!;
      const s = sums[label - 1]!;
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y > c.y1) c.y1 = y;
      c.area++;
      s[0] += x;
      s[1] += y;
    }
  }
  components.forEach((c, k) => {
    c.cx = sums[k]![0] / c.area;
    c.cy = sums[k]![1] / c.area;
  });
  return { width, height, labels, components };
}

export const compWidth = (c: Component): number => c.x1 - c.x0 + 1;
export const compHeight = (c: Component): number => c.y1 - c.y0 + 1;
export const compBox = (c: Component): BBox => ({ x: c.x0, y: c.y0, w: compWidth(c), h: compHeight(c) });

/** Pixel indices of one component. */
export function componentPixels(map: ComponentMap, c: Component): number[] {
  const out: number[] = [];
  for (let y = c.y0; y <= c.y1; y++) {
    for (let x = c.x0; x <= c.x1; x++) {
      const i = y * map.width + x;
      if (map.labels[i] === c.label) out.push(i);
    }
  }
  return out;
}

/** Smallest box holding all the given boxes. */
export function unionBox(boxes: readonly BBox[]): BBox {
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
  return boxes.length ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : { x: 0, y: 0, w: 0, h: 0 };
}

/** Gap between two boxes (0 when they touch or overlap). */
export function boxGap(a: BBox, b: BBox): number {
  const dx = Math.max(0, Math.max(a.x, b.x) - Math.min(a.x + a.w, b.x + b.w));
  const dy = Math.max(0, Math.max(a.y, b.y) - Math.min(a.y + a.h, b.y + b.h));
  return Math.hypot(dx, dy);
}

/** Distance from a point to a box (0 inside). */
export function pointBoxDistance(x: number, y: number, b: BBox): number {
  const dx = Math.max(0, b.x - x, x - (b.x + b.w));
  const dy = Math.max(0, b.y - y, y - (b.y + b.h));
  return Math.hypot(dx, dy);
}
