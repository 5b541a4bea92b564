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
import { assembleText, unionBox, type DisplayFormula, type InlineFormula } from './assemble';
import { displayCandidates, inlineCandidates, type DisplayCandidate } from './display-blocks';
import type { FormulaReader, FormulaReading } from './formula-reader';
import { assignWordRoles, type WordRole } from './layout';
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

    let lines = fitWordsToInk(toImagePixels(page.lines, prepared.scale), prepared.glyphs);
    const glyphHeight = prepared.glyphHeight ?? medianWordHeight(lines) ?? DEFAULT_GLYPH_HEIGHT;
    const hinted = ExcludeRegions.safeParse(opts.hints?.exclude_regions);
    let roles = assignWordRoles(lines, {
      glyphHeight,
      lineArt: prepared.lineArt,
      excludeRegions: hinted.success ? hinted.data : [],
    });
    let formulaRaw: Record<string, unknown> | undefined;
    let displays: DisplayFormula[] = [];
    let inline: InlineFormula[] = [];
    const blockReadings: FormulaReading[] = [];
    if (this.formulas) {
      // Formulas that stand on their own, read whole from the ink (tesseract splits them up).
      const layout = { glyphHeight, components: prepared.glyphs, lineArt: prepared.lineArt, excludeRegions: hinted.success ? hinted.data : [] };
      const blocks = await this.formulas.readBlocks(image, displayCandidates(lines, roles, layout), glyphHeight, { signal: opts.signal, tesseractText: (c) => wordsText(lines, c) });
      blockReadings.push(...blocks.readings);
      displays = blocks.found.map(({ candidate, latex, confidence }) => ({ bbox: candidate.bbox, latex, confidence }));
      if (displays.length > 0) ({ lines, roles } = withoutWordsOf(lines, roles, blocks.found.map((f) => f.candidate)));
      // Then formulas inside lines of prose that tesseract did not read whole (an inline fraction).
      const islands = await this.formulas.readBlocks(image, inlineCandidates(lines, roles, layout), glyphHeight, { signal: opts.signal, inline: true, tesseractText: (c) => wordsText(lines, c) });
      blockReadings.push(...islands.readings);
      inline = islands.found.map(({ candidate, latex, confidence, after }) => ({ line: candidate.line, bbox: candidate.bbox, latex, confidence, ...(after ? { after } : {}) }));
    }
    let assembled = assembleText(lines, roles, glyphHeight, new Map(), prepared.glyphs, displays, inline);
    if (this.formulas) {
      // Then tesseract's own formulas (math runs in lines), each read again.
      const fromInk = new Set<unknown>([...displays, ...inline].map((d) => d.bbox));
      const runs = assembled.formulas.map((f) => (fromInk.has(f.bbox) ? { ...f, bbox: undefined } : f));
      const { overrides, readings } = runs.some((f) => f.bbox) ? await this.formulas.read(image, runs, glyphHeight, opts.signal) : { overrides: new Map(), readings: [] };
      if (overrides.size > 0) assembled = assembleText(lines, roles, glyphHeight, overrides, prepared.glyphs, displays, inline);
      const all = [...blockReadings, ...readings];
      if (all.length > 0) {
        formulaRaw = {
          engine: '@mpp/recognizer',
          threshold: this.formulas.threshold,
          blocks_read: blockReadings.length,
          blocks_replaced: displays.length + inline.length,
          read: readings.length,
          replaced: overrides.size,
          readings: all.slice(0, RAW_NOISE_LIMIT).map((r) => ({ ...r, tesseract: r.tesseract.slice(0, 80), recognizer: r.recognizer.slice(0, 80), confidence: round3(r.confidence), tesseract_confidence: round3(r.tesseract_confidence) })),
        };
      }
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

const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Tesseract's words in a block, in reading order. */
function wordsText(lines: readonly OcrLine[], c: DisplayCandidate): string {
  return c.words.map(([i, k]) => lines[i]!.words[k]!.text).join(' ');
}

/** The lines (and their roles) without the words of the given blocks; lines left empty go. */
function withoutWordsOf(lines: readonly OcrLine[], roles: readonly WordRole[][], blocks: readonly DisplayCandidate[]): { lines: OcrLine[]; roles: WordRole[][] } {
  const gone = new Set(blocks.flatMap((b) => b.words.map(([i, k]) => `${i}:${k}`)));
  const outLines: OcrLine[] = [];
  const outRoles: WordRole[][] = [];
  lines.forEach((line, i) => {
    const keep = line.words.map((_, k) => !gone.has(`${i}:${k}`));
    if (!keep.some(Boolean)) return;
    const words = line.words.filter((_, k) => keep[k]);
    outLines.push(keep.every(Boolean) ? line : { ...line, words, text: words.map((w) => w.text).join(' '), bbox: unionBox(words.map((w) => w.bbox)) });
    outRoles.push(roles[i]!.filter((_, k) => keep[k]));
  });
  return { lines: outLines, roles: outRoles };
}
