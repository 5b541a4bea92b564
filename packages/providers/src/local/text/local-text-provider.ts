/**
 * Stage B's local provider (no API key): tesseract.js on a preprocessed copy of the image, then
 * our own layout and math analysis to produce Markdown with `$...$`, formulas, lines and diagram
 * labels. It matches the `TextProvider` shape of @mpp/stages structurally: providers do not
 * import stages.
 */
import { z } from 'zod';
import { BBox, type TextParseOutput } from '@mpp/schemas';
import { sharedTesseractEngine, type OcrEngine, type OcrLine, type OcrWord } from '../tesseract-engine';
import { localProviderVersion } from '../../provider-version';
import { assembleText } from './assemble';
import type { FormulaReader } from './formula-reader';
import { assignWordRoles } from './layout';
import { prepareForOcr } from './preprocess';
import { fitWordsToInk } from './word-boxes';

/** What a text provider returns: the stage output without the fields the stage fills in. */
export type LocalTextResult = Omit<TextParseOutput, 'provider' | 'duration_ms' | 'fallback_reason'>;

export interface LocalTextCallOptions {
  signal: AbortSignal;
  /** `exclude_regions: BBox[]`: diagram regions (from stage C) whose words are labels, not prose. */
  hints?: Record<string, unknown>;
}

/** Used when the image has no glyph-sized ink and OCR found no words either. */
const DEFAULT_GLYPH_HEIGHT = 20;
/** Noise words echoed in `raw`, so the payload stays small whatever the image. */
const RAW_NOISE_LIMIT = 20;

const ExcludeRegions = z.array(BBox).max(500);

const scaleBox = (b: BBox, scale: number): BBox => {
  const x0 = Math.round(b.x / scale);
  const y0 = Math.round(b.y / scale);
  return { x: x0, y: y0, w: Math.round((b.x + b.w) / scale) - x0, h: Math.round((b.y + b.h) / scale) - y0 };
};

/** OCR lines in the normalised image's pixels, without empty words. */
function toImagePixels(lines: readonly OcrLine[], scale: number): OcrLine[] {
  return lines
    .map((line) => ({
      ...line,
      bbox: scaleBox(line.bbox, scale),
      words: line.words
        .filter((w) => w.text.trim() !== '')
        .map((w): OcrWord => ({ text: w.text.trim(), bbox: scaleBox(w.bbox, scale), confidence: clamp01(w.confidence) })),
    }))
    .filter((line) => line.words.length > 0);
}

const clamp01 = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);

function medianWordHeight(lines: readonly OcrLine[]): number | undefined {
  const heights = lines.flatMap((l) => l.words.map((w) => w.bbox.h)).sort((a, b) => a - b);
  return heights.length > 0 ? heights[Math.floor(heights.length / 2)] : undefined;
}

export class LocalTextProvider {
  readonly name = 'local';

  /**
   * `engine` defaults to the process-wide tesseract engine; the provider never terminates it.
   * `formulas`, when given, reads every formula again with the math recogniser (formula-reader.ts).
   */
  constructor(
    private readonly engine: OcrEngine = sharedTesseractEngine(),
    private readonly formulas?: FormulaReader,
  ) {}

  /** What changes this provider's answers besides its name: engine, data and recogniser versions (provider-version.ts). */
  get version(): string {
    return localProviderVersion(this.formulas);
  }

  async parse(image: Buffer, opts: LocalTextCallOptions): Promise<LocalTextResult> {
    opts.signal.throwIfAborted();
    const prepared = await prepareForOcr(image);
    opts.signal.throwIfAborted();
    const page = await this.engine.recognize(prepared.png, { mode: 'auto', signal: opts.signal });
    opts.signal.throwIfAborted();

    const lines = fitWordsToInk(toImagePixels(page.lines, prepared.scale), prepared.glyphs);
    const glyphHeight = prepared.glyphHeight ?? medianWordHeight(lines) ?? DEFAULT_GLYPH_HEIGHT;
    const hinted = ExcludeRegions.safeParse(opts.hints?.exclude_regions);
    const roles = assignWordRoles(lines, {
      glyphHeight,
      lineArt: prepared.lineArt,
      excludeRegions: hinted.success ? hinted.data : [],
    });
    let assembled = assembleText(lines, roles, glyphHeight, new Map(), prepared.glyphs);
    let formulaRaw: Record<string, unknown> | undefined;
    if (this.formulas && assembled.formulas.length > 0) {
      const { overrides, readings } = await this.formulas.read(image, assembled.formulas, glyphHeight, opts.signal);
      if (overrides.size > 0) assembled = assembleText(lines, roles, glyphHeight, overrides, prepared.glyphs);
      formulaRaw = {
        engine: '@mpp/recognizer',
        threshold: this.formulas.threshold,
        read: readings.length,
        replaced: overrides.size,
        readings: readings.slice(0, RAW_NOISE_LIMIT).map((r) => ({ ...r, tesseract: r.tesseract.slice(0, 80), recognizer: r.recognizer.slice(0, 80), confidence: Math.round(r.confidence * 1000) / 1000 })),
      };
    }

    return {
      text: assembled.text,
      confidence: assembled.confidence,
      lines: assembled.lines,
      formulas: assembled.formulas,
      labels: assembled.labels,
      raw: {
        engine: 'tesseract.js',
        segmentation: 'auto',
        upscale: prepared.scale,
        glyph_height: prepared.glyphHeight ?? null,
        inverted: prepared.inverted,
        line_art_regions: prepared.lineArt.length,
        exclude_regions: hinted.success ? hinted.data.length : 0,
        tesseract_confidence: clamp01(page.confidence),
        noise: assembled.noise.slice(0, RAW_NOISE_LIMIT).map((w) => w.text.slice(0, 40)),
        ...(formulaRaw ? { formula_recognizer: formulaRaw } : {}),
      },
    };
  }
}
