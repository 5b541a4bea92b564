/**
 * Cutting one symbol's ink out of a picture: the box of its components (optionally only some
 * columns, for a piece of a split glyph), with the pixels of other components blanked so a
 * neighbour reaching into the box does not change the shape.
 */
import type { Box, ComponentMap } from '../image/components';
import type { InkImage } from '../image/ink-image';
import type { Crop } from './features';

export function cropSymbol(img: InkImage, map: ComponentMap, componentIds: readonly number[], box: Box): Crop {
  const own = new Set(componentIds.map((id) => id + 1));
  const data = new Uint8Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) {
    const sy = box.y + y;
    for (let x = 0; x < box.w; x++) {
      const sx = box.x + x;
      const p = sy * img.width + sx;
      const label = map.labels[p]!;
      // Paper-level pixels are kept: they carry the anti-aliased rim of the strokes.
      if (label === 0 || own.has(label)) data[y * box.w + x] = img.data[p]!;
    }
  }
  return { width: box.w, height: box.h, data };
}

/** Tight box of the pixels of `componentIds` that fall inside `box` (for split pieces). */
export function tightBox(map: ComponentMap, componentIds: readonly number[], box: Box): Box | undefined {
  const own = new Set(componentIds.map((id) => id + 1));
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      if (own.has(map.labels[y * map.width + x]!)) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/**
 * How much of its box a symbol's ink fills: summed darkness (0..1 per pixel, anti-aliased rims
 * included) over the box area. Bold glyphs fill more than regular ones of the same shape, by a
 * factor that the formula's own ink weight does not change much, so comparing it with the
 * templates' fill tells `\mathbf{s}` from `\mathrm{s}` where the shapes alone cannot.
 */
export function inkFill(crop: Crop): number {
  let sum = 0;
  for (let i = 0; i < crop.data.length; i++) sum += crop.data[i]!;
  return crop.data.length === 0 ? 0 : sum / (255 * crop.data.length);
}
