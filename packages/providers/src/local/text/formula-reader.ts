/**
 * The second reader for formulas, @mpp/recognizer (our template-matching recogniser for printed
 * math), in two passes:
 * - blocks of ink that stand on their own and hold no sentence (display-blocks.ts: a displayed
 *   equation, a fraction, a sum with limits, which tesseract splits into lines or drops) are
 *   read whole and become `$$...$$` formulas when the recogniser beats tesseract on them;
 * - each formula tesseract found (a math run inside a line, or a line that is all math) is
 *   cropped and read again; the reading replaces tesseract's when it says something different
 *   after normalisation and the recogniser is sure (`threshold`) or clearly surer than tesseract.
 * Otherwise tesseract's LaTeX stays, so prose and simple inline math read as before.
 */
import sharp from 'sharp';
import type { BBox, Formula } from '@mpp/schemas';
import { MathRecognizer, normalizeLatex, tokenizeLatex } from '@mpp/recognizer';
import type { FormulaOverrides } from './assemble';
import type { DisplayCandidate } from './display-blocks';

/** What the provider needs from a math recogniser (MathRecognizer has this shape). */
export interface FormulaRecognizer {
  recognize(image: Buffer, opts?: { signal?: AbortSignal }): Promise<{ latex: string; confidence: number }>;
}

export interface FormulaReaderOptions {
  /** The recogniser, or a factory called once on first use (template building takes seconds). */
  recognizer: FormulaRecognizer | (() => Promise<FormulaRecognizer>);
  /** Minimum recogniser confidence for its answer to replace tesseract's (0..1). */
  threshold?: number;
}

/**
 * Measured (`pnpm bench:recognizer`, confidence table): readings at or above 0.9 are right 93% of
 * the time on the synthetic set and 85% on printed arXiv formulas; at or above 0.7, 86% and 65%,
 * against tesseract's 1% and 0% on the same formulas. So a reading at 0.9 replaces tesseract's
 * whatever tesseract's own confidence, and one at `RIVAL_FLOOR` or more replaces it when it is
 * `RIVAL_MARGIN` surer than tesseract was.
 */
export const DEFAULT_FORMULA_THRESHOLD = 0.9;
export const RIVAL_FLOOR = 0.7;
export const RIVAL_MARGIN = 0.05;
/**
 * Margin around a formula's word boxes or a block of ink, in glyph heights: scripts and bars stick
 * out of word boxes. Blocks hold all their ink already, but the recogniser reads them best with
 * this much white around them too (im2latex-dev pages through stage B: 52-53% right at 0.2, 0.5
 * and 1 glyph height, 56% at this).
 */
const CROP_MARGIN = 0.35;

export interface FormulaReading {
  /** Index of the formula among tesseract's, or -1 for a block of ink read whole. */
  index: number;
  tesseract: string;
  /** Tesseract's confidence in its reading (for a block: times the share of the ink its words cover). */
  tesseract_confidence: number;
  recognizer: string;
  confidence: number;
  accepted: boolean;
}

/** Whether the recogniser's reading (its confidence) should replace tesseract's (`rival`). */
export function beats(confidence: number, rival: number, threshold: number): boolean {
  return confidence >= threshold || (confidence >= Math.min(threshold, RIVAL_FLOOR) && confidence >= rival + RIVAL_MARGIN);
}

/** The recogniser's LaTeX without the comma or stop that a crop around an inline formula catches from the prose after it. */
function withoutTrailingStop(latex: string): string {
  return latex.replace(/(\s*[,.;:])+$/, '');
}

/** LaTeX tokens joined compactly (`x^{2} + 1`, `AB = 30`), spaces only around relations and binary operators. */
export function compactLatex(latex: string): string {
  const spaced = new Set(['=', '+', '-', '<', '>', '\\le', '\\leq', '\\ge', '\\geq', '\\neq', '\\times', '\\cdot', '\\pm', '\\mp', '\\approx', '\\equiv', '\\sim', '\\in', '\\to', '\\rightarrow']);
  const tokens = tokenizeLatex(latex);
  let out = '';
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    const unary = (t === '-' || t === '+') && (prev === undefined || prev === '{' || prev === '(' || prev === '^' || prev === '_' || spaced.has(prev));
    if (spaced.has(t) && !unary && out !== '') out += ` ${t} `;
    else if (out.endsWith(' ') || out === '') out += t;
    // A command followed by a letter needs a space: `\alpha x`, not `\alphax`.
    else if (/\\[A-Za-z]+$/.test(out) && /^[A-Za-z]/.test(t)) out += ` ${t}`;
    else out += t;
  });
  return out.replace(/\s+/g, ' ').trim();
}

export class FormulaReader {
  private recognizer?: Promise<FormulaRecognizer>;
  readonly threshold: number;

  constructor(private readonly opts: FormulaReaderOptions) {
    this.threshold = opts.threshold ?? DEFAULT_FORMULA_THRESHOLD;
  }

  private instance(): Promise<FormulaRecognizer> {
    if (!this.recognizer) {
      const r = this.opts.recognizer;
      this.recognizer = typeof r === 'function' ? r() : Promise.resolve(r);
      this.recognizer.catch(() => (this.recognizer = undefined));
    }
    return this.recognizer;
  }

  /** Reads every formula with a box again; returns the overrides to apply and what was read. */
  async read(image: Buffer, formulas: readonly Formula[], glyphHeight: number, signal: AbortSignal): Promise<{ overrides: FormulaOverrides; readings: FormulaReading[] }> {
    const overrides = new Map<number, { latex: string; confidence: number }>();
    const readings: FormulaReading[] = [];
    if (formulas.every((f) => !f.bbox)) return { overrides, readings };
    const recognizer = await this.instance();
    const { width, height } = await sharp(image).metadata();
    if (!width || !height) return { overrides, readings };
    for (const [index, formula] of formulas.entries()) {
      signal.throwIfAborted();
      if (!formula.bbox) continue;
      const crop = await cropPng(image, padded(formula.bbox, glyphHeight * CROP_MARGIN, width, height));
      const result = await recognizer.recognize(crop, { signal });
      const latex = compactLatex(withoutTrailingStop(result.latex));
      const differs = normalizeLatex(latex).join(' ') !== normalizeLatex(formula.latex).join(' ');
      const accepted = latex !== '' && differs && beats(result.confidence, formula.confidence, this.threshold);
      if (accepted) overrides.set(index, { latex, confidence: Math.min(1, Math.max(0, result.confidence)) });
      readings.push({ index, tesseract: formula.latex, tesseract_confidence: formula.confidence, recognizer: latex, confidence: result.confidence, accepted });
    }
    return { overrides, readings };
  }

  /**
   * Reads each candidate block of ink whole (its own box with a margin, no neighbours); returns
   * the ones whose reading beats tesseract's and what was read. `inline`: the block sits in a line
   * of prose, so a comma or stop its reading ends with belongs to the prose (`after`).
   */
  async readBlocks<C extends DisplayCandidate>(image: Buffer, candidates: readonly C[], glyphHeight: number, opts: { signal: AbortSignal; inline?: boolean; tesseractText: (c: C) => string }): Promise<{ found: Array<{ candidate: C; latex: string; confidence: number; after: string }>; readings: FormulaReading[] }> {
    const found: Array<{ candidate: C; latex: string; confidence: number; after: string }> = [];
    const readings: FormulaReading[] = [];
    if (candidates.length === 0) return { found, readings };
    const recognizer = await this.instance();
    const { width, height } = await sharp(image).metadata();
    if (!width || !height) return { found, readings };
    for (const candidate of candidates) {
      opts.signal.throwIfAborted();
      const crop = await cropPng(image, padded(candidate.bbox, glyphHeight * CROP_MARGIN, width, height));
      const result = await recognizer.recognize(crop, { signal: opts.signal });
      const read = opts.inline ? withoutTrailingStop(result.latex) : result.latex;
      const after = opts.inline ? result.latex.slice(read.length).replace(/\s+/g, '') : '';
      const latex = compactLatex(read);
      const accepted = latex !== '' && beats(result.confidence, candidate.tesseractScore, this.threshold);
      if (accepted) found.push({ candidate, latex, confidence: Math.min(1, Math.max(0, result.confidence)), after });
      readings.push({ index: -1, tesseract: opts.tesseractText(candidate), tesseract_confidence: candidate.tesseractScore, recognizer: latex, confidence: result.confidence, accepted });
    }
    return { found, readings };
  }
}

/** The default recogniser: templates built once per process (or read from `cacheDir`). */
export function defaultFormulaReader(opts: { cacheDir?: string; threshold?: number } = {}): FormulaReader {
  return new FormulaReader({
    recognizer: () => MathRecognizer.create(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
  });
}

function padded(b: BBox, margin: number, width: number, height: number): BBox {
  const m = Math.round(margin);
  const x = Math.max(0, b.x - m);
  const y = Math.max(0, b.y - m);
  return { x, y, w: Math.min(width, b.x + b.w + m) - x, h: Math.min(height, b.y + b.h + m) - y };
}

async function cropPng(image: Buffer, box: BBox): Promise<Buffer> {
  return sharp(image).flatten({ background: '#ffffff' }).greyscale().extract({ left: box.x, top: box.y, width: Math.max(1, box.w), height: Math.max(1, box.h) }).png().toBuffer();
}
