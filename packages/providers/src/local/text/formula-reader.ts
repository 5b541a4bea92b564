/**
 * The second reader for formulas: each formula tesseract found (a math run inside a line, or a
 * line that is all math) is cropped from the input image and read again by @mpp/recognizer, our
 * template-matching recogniser for printed math. Its answer replaces tesseract's only when it is
 * confident (`threshold`) and says something different after normalisation; otherwise
 * tesseract's LaTeX stays, so prose and simple inline math read as before.
 */
import sharp from 'sharp';
import type { BBox, Formula } from '@mpp/schemas';
import { MathRecognizer, normalizeLatex, tokenizeLatex } from '@mpp/recognizer';
import type { FormulaOverrides } from './assemble';

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
 * Measured on the recogniser's own renderings: correct answers score 0.7-1.0, wrong ones spread
 * over 0.1-0.85. 0.9 keeps replacements to the answers it is surest of (see README).
 */
export const DEFAULT_FORMULA_THRESHOLD = 0.9;
/** Margin around a formula's word boxes, in glyph heights: scripts and bars stick out of them. */
const CROP_MARGIN = 0.35;

export interface FormulaReading {
  index: number;
  tesseract: string;
  recognizer: string;
  confidence: number;
  accepted: boolean;
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
    const grey = sharp(image).greyscale();
    const { width, height } = await grey.metadata();
    if (!width || !height) return { overrides, readings };
    for (const [index, formula] of formulas.entries()) {
      signal.throwIfAborted();
      if (!formula.bbox) continue;
      const crop = await cropPng(image, padded(formula.bbox, glyphHeight * CROP_MARGIN, width, height));
      const result = await recognizer.recognize(crop, { signal });
      const latex = compactLatex(result.latex);
      const differs = normalizeLatex(latex).join(' ') !== normalizeLatex(formula.latex).join(' ');
      const accepted = latex !== '' && differs && result.confidence >= this.threshold;
      if (accepted) overrides.set(index, { latex, confidence: Math.min(1, Math.max(0, result.confidence)) });
      readings.push({ index, tesseract: formula.latex, recognizer: latex, confidence: result.confidence, accepted });
    }
    return { overrides, readings };
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
