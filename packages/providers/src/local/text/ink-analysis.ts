/**
 * Ink analysis for OCR preprocessing: binarises a grey image (Otsu), labels its connected ink
 * components from horizontal runs (union-find, 8-connected), and from them estimates the typical
 * glyph height and finds line art (components far taller than a glyph: circles, polygons, long
 * strokes). Line art confuses tesseract's page layout (a diagram beside the text makes it drop
 * lines or read circles as `(7`), so the caller erases it and uses its boxes as diagram regions.
 */
import type { BBox } from '@mpp/schemas';
import { otsuThreshold, type GrayImage } from '@mpp/imaging';

export interface InkComponent {
  bbox: BBox;
  /** Ink pixels in the component. */
  pixels: number;
}

export interface InkAnalysis {
  /** Grey level at or below which a pixel is ink. */
  threshold: number;
  /** True when most pixels were ink: the page was light-on-dark and has been inverted. */
  inverted: boolean;
  /** Median height of glyph-sized components in pixels; undefined when there is no text-like ink. */
  glyphHeight?: number;
  components: InkComponent[];
  /** Indices into `components` of line art. */
  lineArt: number[];
  /** Run-length ink, for erasing: [y, x0, x1] triples, row by row. */
  runs: Int32Array;
  /** Component index of each run. */
  runComponent: Int32Array;
}

/** Components smaller than this many pixels are specks (scan noise, dots of i/j are kept by height). */
const MIN_GLYPH_PIXELS = 4;
/** A glyph is at least this tall; thinner things are rules, dashes or noise. */
const MIN_GLYPH_HEIGHT = 5;
/** Line art is taller than this many glyph heights; large headings stay well below it. */
const LINE_ART_HEIGHT_RATIO = 3;
/** ... or wider than this many glyph heights while taller than one (a long slanted stroke). */
const LINE_ART_WIDTH_RATIO = 12;
/** Line art is strokes: at most this share of its box is ink. */
const LINE_ART_MAX_DENSITY = 0.35;

class UnionFind {
  private parent: Int32Array;
  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }
  find(a: number): number {
    let root = a;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[a] !== root) {
      const next = this.parent[a]!;
      this.parent[a] = root;
      a = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Inverts a grey image in place (light-on-dark pages become dark-on-light). */
function invert(gray: GrayImage): void {
  for (let i = 0; i < gray.data.length; i++) gray.data[i] = 255 - gray.data[i]!;
}

/**
 * Analyses `gray` (modified in place when it has to be inverted, so later steps see dark ink on
 * light paper).
 */
export function analyseInk(gray: GrayImage): InkAnalysis {
  let threshold = otsuThreshold(gray);
  let inkCount = 0;
  for (const v of gray.data) if (v <= threshold) inkCount++;
  const inverted = inkCount > gray.data.length / 2;
  if (inverted) {
    invert(gray);
    threshold = 254 - threshold;
  }

  const { width, height, data } = gray;
  const runs = collectRuns(data, width, height, threshold);
  const runCount = runs.length / 3;
  const rowStart = new Int32Array(height + 1).fill(runCount);
  for (let r = runCount - 1; r >= 0; r--) rowStart[runs[r * 3]!] = r;
  for (let y = height - 1; y >= 0; y--) rowStart[y] = Math.min(rowStart[y]!, rowStart[y + 1]!);

  const sets = new UnionFind(runCount);
  for (let y = 1; y < height; y++) {
    let p = rowStart[y - 1]!;
    const pEnd = rowStart[y]!;
    for (let r = rowStart[y]!; r < rowStart[y + 1]!; r++) {
      const x0 = runs[r * 3 + 1]!;
      const x1 = runs[r * 3 + 2]!;
      // Runs of the previous row ending left of x0-1 can never touch this or later runs.
      while (p < pEnd && runs[p * 3 + 2]! < x0 - 1) p++;
      for (let q = p; q < pEnd && runs[q * 3 + 1]! <= x1 + 1; q++) sets.union(r, q);
    }
  }

  // Component statistics in flat typed arrays: a noisy scan can have hundreds of thousands.
  const runComponent = new Int32Array(runCount);
  const idByRoot = new Int32Array(runCount).fill(-1);
  const stats = new Int32Array(runCount * 5); // x0, y0, x1, y1, pixels
  let count = 0;
  for (let r = 0; r < runCount; r++) {
    const root = sets.find(r);
    let id = idByRoot[root]!;
    if (id < 0) {
      id = count++;
      idByRoot[root] = id;
      stats.set([width, height, -1, -1, 0], id * 5);
    }
    runComponent[r] = id;
    const y = runs[r * 3]!;
    const x0 = runs[r * 3 + 1]!;
    const x1 = runs[r * 3 + 2]!;
    const o = id * 5;
    stats[o] = Math.min(stats[o]!, x0);
    stats[o + 1] = Math.min(stats[o + 1]!, y);
    stats[o + 2] = Math.max(stats[o + 2]!, x1);
    stats[o + 3] = Math.max(stats[o + 3]!, y);
    stats[o + 4] = stats[o + 4]! + x1 - x0 + 1;
  }

  const components: InkComponent[] = [];
  for (let id = 0; id < count; id++) {
    const o = id * 5;
    components.push({
      bbox: { x: stats[o]!, y: stats[o + 1]!, w: stats[o + 2]! - stats[o]! + 1, h: stats[o + 3]! - stats[o + 1]! + 1 },
      pixels: stats[o + 4]!,
    });
  }
  const glyphHeight = estimateGlyphHeight(components, height);
  // Without glyph-sized ink (a bare diagram) anything taller than a generous text size is line art.
  const reference = glyphHeight ?? Math.max(MIN_GLYPH_HEIGHT, Math.min(40, height / 8));
  const lineArt: number[] = [];
  components.forEach((c, i) => {
    const tall = c.bbox.h > LINE_ART_HEIGHT_RATIO * reference;
    const long = c.bbox.w > LINE_ART_WIDTH_RATIO * reference && c.bbox.h > reference;
    // Strokes cover little of their box; a filled banner or table header may hold light text.
    const sparse = c.pixels <= LINE_ART_MAX_DENSITY * c.bbox.w * c.bbox.h;
    if ((tall || long) && sparse) lineArt.push(i);
  });
  return { threshold, inverted, glyphHeight, components, lineArt, runs, runComponent };
}

/** Horizontal runs of ink as [y, x0, x1] triples, row by row (counted first, then filled). */
function collectRuns(data: Uint8Array, width: number, height: number, threshold: number): Int32Array {
  let total = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) if (data[row + x]! <= threshold && (x === 0 || data[row + x - 1]! > threshold)) total++;
  }
  const runs = new Int32Array(total * 3);
  let k = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (data[row + x]! > threshold) { x++; continue; }
      const x0 = x;
      while (x < width && data[row + x]! <= threshold) x++;
      runs[k++] = y;
      runs[k++] = x0;
      runs[k++] = x - 1;
    }
  }
  return runs;
}

/**
 * Median height of components that could be characters: not specks, not thin rules, and not a
 * large share of the page. Characters dominate the count on any page with text, so the median
 * lands on the body text size even when a diagram contributes a few big components.
 */
export function estimateGlyphHeight(components: readonly InkComponent[], pageHeight: number): number | undefined {
  const heights = components
    .filter((c) => c.pixels >= MIN_GLYPH_PIXELS && c.bbox.h >= MIN_GLYPH_HEIGHT && c.bbox.h <= Math.max(MIN_GLYPH_HEIGHT, pageHeight / 4) && c.bbox.w <= c.bbox.h * 4)
    .map((c) => c.bbox.h)
    .sort((a, b) => a - b);
  if (heights.length < 3) return undefined;
  return heights[Math.floor(heights.length / 2)];
}

/** Paints the given components white (paper) in `gray`. */
export function eraseComponents(gray: GrayImage, analysis: InkAnalysis, indices: readonly number[]): void {
  const erase = new Uint8Array(analysis.components.length);
  for (const i of indices) erase[i] = 1;
  const { runs, runComponent } = analysis;
  for (let r = 0; r < runComponent.length; r++) {
    if (!erase[runComponent[r]!]) continue;
    const row = runs[r * 3]! * gray.width;
    gray.data.fill(255, row + runs[r * 3 + 1]!, row + runs[r * 3 + 2]! + 1);
  }
}
