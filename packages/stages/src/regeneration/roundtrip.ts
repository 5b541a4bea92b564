/**
 * Round-trip scoring: how well a rendering of what was recognised covers the ink of the source.
 * Both images are binarised (Otsu) and compared with a tolerant F1: a rendered ink pixel counts
 * as right when source ink lies within `tolerance` pixels, and the other way round. Tolerance
 * absorbs stroke width and anti-aliasing; a missing, extra or different symbol still costs ink.
 *
 * Formulas (`ink-box`) are first cropped to their ink and brought to one height (128 px: at 48 a
 * subscript is a few pixels tall and an E and a Z differ by less than the tolerance); their
 * columns are then aligned by dynamic time warping, because the source was typeset with other
 * fonts and spacing than MathJax's and a plain overlay drifts further out of register with every
 * symbol. Their score is the mean of the global F1 and the coverage of the worst-covered blob of
 * ink on either side (glyph-coverage.ts): one wrong, missing or extra symbol among thirty moves
 * the global F1 by its small share of the ink, and leaves one blob poorly covered. Measured on
 * printed formulas by bench/roundtrip-separation.mjs (docs/stages.md). A source set in a bolder
 * face than MathJax's gets extra reach for half the difference in stroke width
 * (`strokeAllowance`), and a comma or full stop the OCR word box put after the formula can be
 * left out (trailing-punctuation.ts). Diagrams (`frame`) are drawn in the source region's own
 * pixel frame and compared in place. */
import { countInk, dilate, imageInkMask, inkBox, resampleMask, strokeWidth, wholeMask, type InkMask } from './ink-mask';
import { withoutTrailingPunctuation } from './trailing-punctuation';
import { worstGlyphCoverage, type CoveredAt } from './glyph-coverage';

export interface InkMatchOptions {
  align?: 'ink-box' | 'frame';
  /** Tolerance in pixels of the comparison canvas (default 3 for both). */
  tolerance?: number;
  /** `ink-box` only: height of the comparison canvas in pixels (default 128). */
  canvasHeight?: number;
  /** `ink-box` only: leave out a comma or full stop that ends the source's ink (trailing-punctuation.ts). */
  ignoreTrailingPunctuation?: boolean;
}

export interface InkMatch {
  /** The similarity: for formulas the mean of `global` and `glyph`, for frames `global`. */
  score: number;
  precision: number;
  recall: number;
  /** Tolerant F1 over the whole image. */
  global: number;
  /** Lowest coverage of any one blob of ink, on either side (formulas only; equals `global` for frames). */
  glyph: number;
}

// Hot loops read these through module bindings: global lookups are slow inside a vm context
// (jest runs tests in one), and cheap bindings cost nothing in production.
const { imul, min, max, round, ceil } = Math;
const INFINITY = Number.POSITIVE_INFINITY;

const NO_MATCH: InkMatch = { score: 0, precision: 0, recall: 0, global: 0, glyph: 0 };
const DEFAULT_CANVAS_HEIGHT = 128;
const DEFAULT_FORMULA_TOLERANCE = 3;
const MAX_CANVAS_WIDTH = 1536;
const MAX_FRAME_SIDE = 512;
/** Cost of a non-diagonal warping step, as a fraction of the canvas height: warps blank space freely, glyphs reluctantly. */
const WARP_PENALTY = 0.05;
/** Blobs of less ink than a square of this share of the canvas height (specks, dots) are not judged alone. */
const GLYPH_MIN_SIDE = 0.05;
/**
 * Nor are blobs of less ink than this many pixels of the source: a small source (a subscript a few
 * pixels tall, a 70% scan) loses a superscript minus or an accent to binarisation, and the right
 * rendering's blob for it would then count as extra ink.
 */
const GLYPH_MIN_SOURCE_PIXELS = 6;
/** How far, as a share of the canvas height, a blob may move up or down as a whole to meet the other side's ink. */
const GLYPH_REACH = 0.08;

function harmonic(precision: number, recall: number): number {
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

function f1(renderedHits: number, renderedInk: number, sourceHits: number, sourceInk: number): InkMatch {
  if (renderedInk === 0 || sourceInk === 0) return NO_MATCH;
  const precision = renderedHits / renderedInk;
  const recall = sourceHits / sourceInk;
  const score = harmonic(precision, recall);
  return { score, precision, recall, global: score, glyph: score };
}

/** Tolerant F1 of two masks of the same size, overlaid as they are. */
export function compareMasks(rendered: InkMask, source: InkMask, tolerance: number): InkMatch {
  const renderedNear = dilate(rendered, tolerance);
  const sourceNear = dilate(source, tolerance);
  let renderedHits = 0;
  let sourceHits = 0;
  for (let i = 0; i < rendered.data.length; i++) {
    if (rendered.data[i] && sourceNear.data[i]) renderedHits++;
    if (source.data[i] && renderedNear.data[i]) sourceHits++;
  }
  return f1(renderedHits, countInk(rendered), sourceHits, countInk(source));
}

/** A mask stored column by column as bit sets, `words` 32-bit words per column. */
interface ColumnBits {
  bits: Uint32Array;
  words: number;
  columns: number;
}

function columnBits(mask: InkMask): ColumnBits {
  const words = Math.ceil(mask.height / 32);
  const bits = new Uint32Array(mask.width * words);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]) bits[x * words + (y >> 5)]! |= 1 << (y & 31);
    }
  }
  return { bits, words, columns: mask.width };
}

function popcount(v: number): number {
  let n = v - ((v >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Ink of column `a` of `mask` not covered by column `b` of `cover`. */
function uncovered(mask: ColumnBits, a: number, cover: ColumnBits, b: number): number {
  let n = 0;
  for (let w = 0; w < mask.words; w++) n += popcount(mask.bits[a * mask.words + w]! & ~cover.bits[b * cover.words + w]!);
  return n;
}

/** Most ink of column `a` of `mask` covered by a single one of its `partners` columns of `cover`. */
function coveredByBest(mask: ColumnBits, a: number, cover: ColumnBits, partners: readonly number[]): number {
  let best = 0;
  for (const p of partners) {
    let n = 0;
    for (let w = 0; w < mask.words; w++) n += popcount(mask.bits[a * mask.words + w]! & cover.bits[p * cover.words + w]!);
    if (n > best) best = n;
  }
  return best;
}

/** Whether column `a`'s partners in `cover` have ink at row `y`. */
function coverOf(cover: ColumnBits, partners: readonly number[][]): CoveredAt {
  return (a, y) => {
    if (y < 0 || y >= cover.words * 32) return false;
    const word = y >> 5;
    const bit = 1 << (y & 31);
    for (const p of partners[a]!) if (cover.bits[p * cover.words + word]! & bit) return true;
    return false;
  };
}

/** The warping path pairing source columns with rendered columns, from (0,0) to the last of each. */
function alignColumns(rendered: ColumnBits, source: ColumnBits, renderedNear: ColumnBits, sourceNear: ColumnBits, height: number): Array<[number, number]> {
  const ws = source.columns;
  const wr = rendered.columns;
  const band = max(8, ceil(0.25 * max(ws, wr)));
  const span = 2 * band + 1;
  const centres = new Int32Array(ws);
  for (let i = 0; i < ws; i++) centres[i] = round((i * (wr - 1)) / max(1, ws - 1));
  const penalty = WARP_PENALTY * height;
  const cost = new Float64Array(ws * span).fill(INFINITY);
  const step = new Uint8Array(ws * span); // 0 diagonal, 1 from previous source column, 2 from previous rendered column
  const at = (i: number, j: number): number => {
    const k = j - centres[i]! + band;
    return k < 0 || k >= span || j < 0 || j >= wr ? -1 : i * span + k;
  };
  const costAt = (i: number, j: number): number => {
    const cell = at(i, j);
    return cell < 0 ? INFINITY : cost[cell]!;
  };
  for (let i = 0; i < ws; i++) {
    const from = max(0, centres[i]! - band);
    const to = min(wr - 1, centres[i]! + band);
    for (let j = from; j <= to; j++) {
      const cell = at(i, j);
      const local = uncovered(source, i, renderedNear, j) + uncovered(rendered, j, sourceNear, i);
      if (i === 0 && j === 0) {
        cost[cell] = local;
        continue;
      }
      const diagonal = i > 0 && j > 0 ? costAt(i - 1, j - 1) : INFINITY;
      const up = i > 0 ? costAt(i - 1, j) + penalty : INFINITY;
      const left = j > 0 ? costAt(i, j - 1) + penalty : INFINITY;
      const best = diagonal <= up && diagonal <= left ? diagonal : up <= left ? up : left;
      cost[cell] = local + best;
      step[cell] = best === diagonal ? 0 : best === up ? 1 : 2;
    }
  }
  let i = ws - 1;
  let j = wr - 1;
  if (costAt(i, j) === INFINITY) return [];
  const path: Array<[number, number]> = [];
  while (i > 0 || j > 0) {
    path.push([i, j]);
    const move = step[at(i, j)];
    if (move === 0) {
      i--;
      j--;
    } else if (move === 1) i--;
    else j--;
  }
  path.push([0, 0]);
  return path.reverse();
}

/**
 * Extra reach for the thinner side when the two were drawn with different stroke weights (a bold
 * textbook face against MathJax's regular one): half the difference of their stroke widths, so a
 * bold stroke is covered by the thin one's neighbourhood without forgiving a different shape.
 */
export function strokeAllowance(rendered: InkMask, source: InkMask): { rendered: number; source: number } {
  const difference = strokeWidth(source) - strokeWidth(rendered);
  return { rendered: max(0, round(difference / 2)), source: max(0, round(-difference / 2)) };
}

/**
 * Tolerant F1 after aligning columns: each column is judged against the columns it was paired
 * with; then the worst-covered blob (glyph-coverage.ts), judged against the same columns. `extra`
 * widens one side's reach for a difference in stroke weight (`strokeAllowance`); `sourceScale` is
 * how many canvas pixels one source pixel became, which bounds the smallest blob worth judging.
 */
export function compareAligned(rendered: InkMask, source: InkMask, tolerance: number, extra: { rendered: number; source: number } = { rendered: 0, source: 0 }, sourceScale = 1): InkMatch {
  const r = columnBits(rendered);
  const s = columnBits(source);
  const rNear = columnBits(dilate(rendered, tolerance + extra.rendered));
  const sNear = columnBits(dilate(source, tolerance + extra.source));
  const path = alignColumns(r, s, rNear, sNear, source.height);
  if (path.length === 0) return NO_MATCH;
  const partnersOfSource: number[][] = Array.from({ length: source.width }, () => []);
  const partnersOfRendered: number[][] = Array.from({ length: rendered.width }, () => []);
  for (const [i, j] of path) {
    partnersOfSource[i]!.push(j);
    partnersOfRendered[j]!.push(i);
  }
  let sourceInk = 0;
  let sourceHits = 0;
  let renderedInk = 0;
  let renderedHits = 0;
  for (let i = 0; i < s.columns; i++) {
    sourceInk += inkIn(s, i);
    sourceHits += coveredByBest(s, i, rNear, partnersOfSource[i]!);
  }
  for (let j = 0; j < r.columns; j++) {
    renderedInk += inkIn(r, j);
    renderedHits += coveredByBest(r, j, sNear, partnersOfRendered[j]!);
  }
  const whole = f1(renderedHits, renderedInk, sourceHits, sourceInk);
  if (whole.global === 0) return whole;
  const minArea = max((GLYPH_MIN_SIDE * source.height) ** 2, GLYPH_MIN_SOURCE_PIXELS * sourceScale ** 2);
  const reach = round(GLYPH_REACH * source.height);
  const glyph = min(worstGlyphCoverage(source, coverOf(rNear, partnersOfSource), minArea, reach), worstGlyphCoverage(rendered, coverOf(sNear, partnersOfRendered), minArea, reach));
  return { ...whole, glyph, score: (whole.global + glyph) / 2 };
}

function inkIn(mask: ColumnBits, column: number): number {
  let n = 0;
  for (let w = 0; w < mask.words; w++) n += popcount(mask.bits[column * mask.words + w]!);
  return n;
}

/** Full comparison with precision and recall; see `scoreInkMatch`. */
export async function inkMatch(renderedPng: Buffer, sourcePng: Buffer, options: InkMatchOptions = {}): Promise<InkMatch> {
  const [rendered, source] = await Promise.all([imageInkMask(renderedPng), imageInkMask(sourcePng)]);

  if ((options.align ?? 'ink-box') === 'frame') {
    const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(source.width, source.height));
    const width = Math.max(1, Math.round(source.width * scale));
    const height = Math.max(1, Math.round(source.height * scale));
    const [r, s] = await Promise.all([resampleMask(rendered, wholeMask(rendered), width, height), resampleMask(source, wholeMask(source), width, height)]);
    return compareMasks(r, s, options.tolerance ?? 3);
  }

  const renderedBox = inkBox(rendered);
  const trimmed = options.ignoreTrailingPunctuation ? withoutTrailingPunctuation(source) : undefined;
  const sourceMask = trimmed?.mask ?? source;
  const sourceBox = trimmed ? trimmed.box : inkBox(source);
  if (!renderedBox || !sourceBox) return NO_MATCH;
  const height = options.canvasHeight ?? DEFAULT_CANVAS_HEIGHT;
  const widthFor = (box: { w: number; h: number }): number => Math.max(1, Math.min(MAX_CANVAS_WIDTH, Math.round((box.w * height) / box.h)));
  const [r, s] = await Promise.all([
    resampleMask(rendered, renderedBox, widthFor(renderedBox), height),
    resampleMask(sourceMask, sourceBox, widthFor(sourceBox), height),
  ]);
  return compareAligned(r, s, options.tolerance ?? DEFAULT_FORMULA_TOLERANCE, strokeAllowance(r, s), height / sourceBox.h);
}

/**
 * Similarity (0..1) of the ink of a rendering and of the source image region it should show.
 * Both are PNG (or any image sharp reads); 0 when either has no ink.
 */
export async function scoreInkMatch(renderedPng: Buffer, sourcePng: Buffer, options: InkMatchOptions = {}): Promise<number> {
  return (await inkMatch(renderedPng, sourcePng, options)).score;
}
