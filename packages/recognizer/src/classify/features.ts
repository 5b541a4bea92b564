/**
 * Shape features of one symbol: its ink resampled, aspect preserved, into a GRID x GRID square,
 * lightly blurred (so a one-pixel shift costs little), centred and scaled to unit length, so the
 * dot product of two feature vectors is their correlation. Templates and observed symbols go
 * through exactly this code.
 */
export const GRID = 16;
const PIXELS = GRID * GRID;
/** Gradient orientation maps: 4 orientations pooled to (GRID/2)^2 cells. */
const ORIENTATIONS = 4;
const CELLS = (GRID / 2) * (GRID / 2);
export const FEATURE_LENGTH = PIXELS + ORIENTATIONS * CELLS;
/** Share of the gradient part in the correlation. */
const GRADIENT_WEIGHT = 0.5;
export const FEATURE_VERSION = 2;

/** A crop of ink darkness (0..255), already masked to the symbol's own pixels. */
export interface Crop {
  width: number;
  height: number;
  data: Uint8Array | Float32Array;
}

/** 1D area-resampling weights: target cell i covers source [i*step, (i+1)*step). */
function resampleWeights(sourceLength: number, targetLength: number, targetOffset: number, scale: number): { index: number[]; from: number[]; weight: number[] } {
  const index: number[] = [];
  const from: number[] = [];
  const weight: number[] = [];
  for (let s = 0; s < sourceLength; s++) {
    const a = targetOffset + s * scale;
    const b = a + scale;
    for (let t = Math.max(0, Math.floor(a)); t < Math.min(targetLength, Math.ceil(b)); t++) {
      const overlap = Math.min(b, t + 1) - Math.max(a, t);
      if (overlap > 0) {
        index.push(t);
        from.push(s);
        weight.push(overlap);
      }
    }
  }
  return { index, from, weight };
}

export function shapeFeatures(crop: Crop): Float32Array {
  const { width, height, data } = crop;
  const scale = GRID / Math.max(width, height);
  const offX = (GRID - width * scale) / 2;
  const offY = (GRID - height * scale) / 2;
  const wx = resampleWeights(width, GRID, offX, scale);
  const wy = resampleWeights(height, GRID, offY, scale);
  // Rows first: each source row resampled horizontally, then accumulated into target rows.
  const rows = new Float32Array(height * GRID);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const out = y * GRID;
    for (let k = 0; k < wx.index.length; k++) rows[out + wx.index[k]!]! += data[base + wx.from[k]!]! * wx.weight[k]!;
  }
  const grid = new Float32Array(PIXELS);
  for (let k = 0; k < wy.index.length; k++) {
    const t = wy.index[k]! * GRID;
    const s = wy.from[k]! * GRID;
    const w = wy.weight[k]!;
    for (let x = 0; x < GRID; x++) grid[t + x]! += rows[s + x]! * w;
  }
  const pixels = normalise(blur(grid));
  const gradients = normalise(orientationMaps(grid));
  const out = new Float32Array(FEATURE_LENGTH);
  const a = Math.sqrt(1 - GRADIENT_WEIGHT);
  const b = Math.sqrt(GRADIENT_WEIGHT);
  for (let i = 0; i < PIXELS; i++) out[i] = a * pixels[i]!;
  for (let i = 0; i < ORIENTATIONS * CELLS; i++) out[PIXELS + i] = b * gradients[i]!;
  return out;
}

/**
 * Stroke directions: Sobel gradients split into 4 unsigned orientations (soft-binned) and pooled
 * over 2x2 cells. They separate glyphs whose ink overlaps but whose strokes run differently
 * (the flag of a `1` against the serif of an `l`, `(` against `\langle`).
 */
function orientationMaps(grid: Float32Array): Float32Array {
  const out = new Float32Array(ORIENTATIONS * CELLS);
  const half = GRID / 2;
  // The grid inside a border of zeros, so the 3x3 Sobel window needs no bounds checks.
  const W = GRID + 2;
  const padded = new Float32Array(W * W);
  for (let y = 0; y < GRID; y++) padded.set(grid.subarray(y * GRID, (y + 1) * GRID), (y + 1) * W + 1);
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const c = (y + 1) * W + x + 1;
      const nw = padded[c - W - 1]!;
      const n = padded[c - W]!;
      const ne = padded[c - W + 1]!;
      const w = padded[c - 1]!;
      const e = padded[c + 1]!;
      const sw = padded[c + W - 1]!;
      const s = padded[c + W]!;
      const se = padded[c + W + 1]!;
      const gx = ne + 2 * e + se - nw - 2 * w - sw;
      const gy = sw + 2 * s + se - nw - 2 * n - ne;
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      // Unsigned orientation in [0, 4): bins at 0, 45, 90, 135 degrees, linear between.
      let theta = Math.atan2(gy, gx);
      if (theta < 0) theta += Math.PI;
      const pos = (theta / Math.PI) * ORIENTATIONS;
      const lo = Math.floor(pos) % ORIENTATIONS;
      const hi = (lo + 1) % ORIENTATIONS;
      const frac = pos - Math.floor(pos);
      const cell = (y >> 1) * half + (x >> 1);
      out[lo * CELLS + cell]! += mag * (1 - frac);
      out[hi * CELLS + cell]! += mag * frac;
    }
  }
  return out;
}

function blur(grid: Float32Array): Float32Array {
  const tmp = new Float32Array(PIXELS);
  const out = new Float32Array(PIXELS);
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const c = grid[y * GRID + x]!;
      const l = x > 0 ? grid[y * GRID + x - 1]! : 0;
      const r = x < GRID - 1 ? grid[y * GRID + x + 1]! : 0;
      tmp[y * GRID + x] = 2 * c + l + r;
    }
  }
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      const c = tmp[y * GRID + x]!;
      const u = y > 0 ? tmp[(y - 1) * GRID + x]! : 0;
      const d = y < GRID - 1 ? tmp[(y + 1) * GRID + x]! : 0;
      out[y * GRID + x] = 2 * c + u + d;
    }
  }
  return out;
}

function normalise(v: Float32Array): Float32Array {
  // Centred and scaled to unit length, so a dot product is a correlation.
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i]!;
  mean /= v.length;
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = v[i]! - mean;
    norm += v[i]! * v[i]!;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** Correlation of two normalised feature vectors, in [-1, 1]. */
export function correlation(a: Float32Array, b: Float32Array, bOffset = 0): number {
  // Four running sums: independent additions pipeline (this loop is most of the recogniser's time).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < FEATURE_LENGTH; i += 4) {
    const j = bOffset + i;
    s0 += a[i]! * b[j]!;
    s1 += a[i + 1]! * b[j + 1]!;
    s2 += a[i + 2]! * b[j + 2]!;
    s3 += a[i + 3]! * b[j + 3]!;
  }
  return s0 + s1 + s2 + s3;
}
