/**
 * Binary ink masks: what counts as ink in an image (Otsu, with a blank-paper guard), where the
 * ink lies, and the resampling and dilation the round-trip comparison needs.
 */
import sharp from 'sharp';
import { otsuThreshold, toGray, type GrayImage } from '@mpp/imaging';

export interface InkMask {
  /** 1 = ink, 0 = paper; row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface InkBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

// Hot loops read these through module bindings: global lookups are slow inside a vm context (jest).
const { min, max } = Math;

/** Below this spread of grey levels a light region is blank paper, whatever Otsu would split. */
const MIN_CONTRAST = 48;

export function inkMask(gray: GrayImage): InkMask {
  const data = new Uint8Array(gray.width * gray.height);
  let darkest = 255;
  let lightest = 0;
  for (const v of gray.data) {
    if (v < darkest) darkest = v;
    if (v > lightest) lightest = v;
  }
  if (lightest - darkest < MIN_CONTRAST && lightest > 127) return { data, width: gray.width, height: gray.height };
  const threshold = otsuThreshold(gray);
  for (let i = 0; i < data.length; i++) data[i] = gray.data[i]! <= threshold ? 1 : 0;
  return { data, width: gray.width, height: gray.height };
}

export async function imageInkMask(png: Buffer): Promise<InkMask> {
  return inkMask(await toGray(png));
}

export function inkBox(mask: InkMask): InkBox | undefined {
  let minX = mask.width;
  let minY = mask.height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < mask.height; y++) {
    const row = y * mask.width;
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[row + x] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  return maxX < 0 ? undefined : { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 };
}

export function wholeMask(mask: InkMask): InkBox {
  return { x: 0, y: 0, w: mask.width, h: mask.height };
}

/** Crops `box` out of `mask` and scales it to width x height (bilinear, re-thresholded at half). */
export async function resampleMask(mask: InkMask, box: InkBox, width: number, height: number): Promise<InkMask> {
  const grey = Buffer.alloc(mask.data.length);
  for (let i = 0; i < grey.length; i++) grey[i] = mask.data[i] ? 255 : 0;
  const { data, info } = await sharp(grey, { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .extract({ left: box.x, top: box.y, width: box.w, height: box.h })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    // sharp widens one-channel raw input to sRGB on the way out; keep a single band.
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== width || info.height !== height) throw new Error('mask resampling returned an unexpected layout');
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i]! >= 128 ? 1 : 0;
  return { data: out, width, height };
}

/** Square dilation by `radius`, done as two one-dimensional passes. */
export function dilate(mask: InkMask, radius: number): InkMask {
  if (radius <= 0) return mask;
  const { width, height } = mask;
  const horizontal = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask.data[y * width + x]) continue;
      for (let dx = max(0, x - radius), end = min(width - 1, x + radius); dx <= end; dx++) horizontal[y * width + dx] = 1;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!horizontal[y * width + x]) continue;
      for (let dy = max(0, y - radius), end = min(height - 1, y + radius); dy <= end; dy++) out[dy * width + x] = 1;
    }
  }
  return { data: out, width, height };
}

export function countInk(mask: InkMask): number {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

/**
 * Mean stroke width of the ink in pixels: twice the ink area over its boundary (ink pixels with a
 * 4-neighbour of paper), which is the width for a long bar. 0 without ink.
 */
export function strokeWidth(mask: InkMask): number {
  const { width, height, data } = mask;
  let area = 0;
  let boundary = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!data[i]) continue;
      area++;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !data[i - 1] || !data[i + 1] || !data[i - width] || !data[i + width]) boundary++;
    }
  }
  return boundary === 0 ? 0 : (2 * area) / boundary;
}

/**
 * The 8-connected blob of ink that holds pixel `start` (an index into `mask.data`), as its pixel
 * indexes in the order found; marks them in `seen`.
 */
export function blobFrom(mask: InkMask, start: number, seen: Uint8Array): number[] {
  const { width, height, data } = mask;
  const pixels = [start];
  seen[start] = 1;
  for (let k = 0; k < pixels.length; k++) {
    const p = pixels[k]!;
    const x = p % width;
    const y = (p - x) / width;
    for (let ny = max(0, y - 1); ny <= min(height - 1, y + 1); ny++) {
      for (let nx = max(0, x - 1); nx <= min(width - 1, x + 1); nx++) {
        const q = ny * width + nx;
        if (data[q] && !seen[q]) {
          seen[q] = 1;
          pixels.push(q);
        }
      }
    }
  }
  return pixels;
}

/** The 8-connected blobs of `mask` of at least `minArea` pixels, each as its pixel indexes. */
export function inkBlobs(mask: InkMask, minArea = 1): number[][] {
  const seen = new Uint8Array(mask.data.length);
  const out: number[][] = [];
  for (let start = 0; start < mask.data.length; start++) {
    if (!mask.data[start] || seen[start]) continue;
    const pixels = blobFrom(mask, start, seen);
    if (pixels.length >= minArea) out.push(pixels);
  }
  return out;
}

/** The bounds of a blob's pixels. */
export function blobBounds(mask: InkMask, pixels: readonly number[]): { x0: number; y0: number; x1: number; y1: number } {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of pixels) {
    const x = p % mask.width;
    const y = (p - x) / mask.width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}
