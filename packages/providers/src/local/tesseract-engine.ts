/**
 * The process's OCR engine: a pool of long-lived tesseract.js workers behind tesseract.js's
 * scheduler (`tesseract-pool.ts`), shared by every caller (stage B's prose OCR, stage C's label
 * reading). `OCR_WORKERS` bounds the pool (default: PIPELINE_WORKERS, at most 2); a request's
 * `signal` takes it out of the line when its job is cancelled or times out.
 *
 * The language data always comes from `@tesseract.js-data/eng` in node_modules. tesseract.js
 * crashes the process when it tries to download data, so the file is checked before each worker
 * is created and a missing file is a clear error instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { BBox } from '@mpp/schemas';
import { TesseractPool } from './tesseract-pool';

export type SegmentationMode = 'auto' | 'block' | 'line' | 'word' | 'char' | 'sparse';

const PSM_BY_MODE: Record<SegmentationMode, PSM> = {
  auto: PSM.AUTO,
  block: PSM.SINGLE_BLOCK,
  line: PSM.SINGLE_LINE,
  word: PSM.SINGLE_WORD,
  char: PSM.SINGLE_CHAR,
  sparse: PSM.SPARSE_TEXT,
};

export interface OcrWord { text: string; bbox: BBox; confidence: number }
export interface OcrLine {
  text: string;
  bbox: BBox;
  confidence: number;
  words: OcrWord[];
  /** Running index of the tesseract paragraph the line belongs to (0-based, page order). */
  paragraph?: number;
}
export interface OcrPage { text: string; confidence: number; lines: OcrLine[] }

export interface OcrRequest {
  /** Only this part of the image is read; boxes in the answer stay in whole-image pixels. */
  rectangle?: BBox;
  mode?: SegmentationMode;
  /** Restrict the characters tesseract may answer with, e.g. capital letters for point labels. */
  whitelist?: string;
  /** The job's signal: while the request waits for a worker, an abort takes it out of the line. */
  signal?: AbortSignal;
}

export interface OcrEngine {
  recognize(image: Buffer, request?: OcrRequest): Promise<OcrPage>;
  terminate(): Promise<void>;
}

/** Directory holding `eng.traineddata.gz`, resolved inside node_modules; throws when absent. */
export function resolveEnglishLangPath(): string {
  const file = require.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz');
  if (!existsSync(file)) {
    throw new Error(`tesseract language data missing at ${file}; reinstall @tesseract.js-data/eng`);
  }
  return path.dirname(file);
}

const toBox = (b: { x0: number; y0: number; x1: number; y1: number }): BBox => ({ x: b.x0, y: b.y0, w: Math.max(0, b.x1 - b.x0), h: Math.max(0, b.y1 - b.y0) });

/** A worker with the shipped English data (never a download). */
function startEnglishWorker(): Promise<Worker> {
  return createWorker('eng', OEM.LSTM_ONLY, {
    langPath: resolveEnglishLangPath(),
    gzip: true,
    cacheMethod: 'none',
    logger: () => undefined,
    errorHandler: () => undefined,
  });
}

export interface TesseractEngineOptions {
  /** Most tesseract workers at once (`OCR_WORKERS`); default 1. */
  workers?: number;
  /** Tests: how a worker is started (default: tesseract.js with the shipped English data). */
  startWorker?: () => Promise<Worker>;
}

export class TesseractEngine implements OcrEngine {
  private readonly pool: TesseractPool;

  constructor(opts: TesseractEngineOptions = {}) {
    this.pool = new TesseractPool({ maxWorkers: opts.workers ?? 1, startWorker: opts.startWorker ?? startEnglishWorker });
  }

  /** Pool state: workers started, jobs admitted and waiting, jobs handed to tesseract. */
  get stats(): TesseractPool['stats'] {
    return this.pool.stats;
  }

  /** Raises the pool's bound to `n` workers (never lowers it). */
  allowWorkers(n: number): void {
    this.pool.allowWorkers(n);
  }

  async recognize(image: Buffer, request: OcrRequest = {}): Promise<OcrPage> {
    const params = { tessedit_pageseg_mode: PSM_BY_MODE[request.mode ?? 'auto'], tessedit_char_whitelist: request.whitelist ?? '' };
    const r = request.rectangle;
    const rectangle = r ? { left: Math.round(r.x), top: Math.round(r.y), width: Math.round(r.w), height: Math.round(r.h) } : undefined;
    const { data } = await this.pool.run({ image, params, ...(rectangle ? { rectangle } : {}) }, request.signal);
    const lines: OcrLine[] = [];
    let paragraph = 0;
    for (const block of data.blocks ?? []) {
      for (const para of block.paragraphs) {
        for (const line of para.lines) {
          lines.push({
            text: line.text.trim(),
            bbox: toBox(line.bbox),
            confidence: line.confidence / 100,
            words: line.words.map((w) => ({ text: w.text, bbox: toBox(w.bbox), confidence: w.confidence / 100 })),
            paragraph,
          });
        }
        paragraph += 1;
      }
    }
    return { text: data.text, confidence: data.confidence / 100, lines };
  }

  terminate(): Promise<void> {
    return this.pool.terminate();
  }
}

/** `engine` with every request bound to `signal` (callers that pass the engine further down). */
export function withSignal(engine: OcrEngine, signal: AbortSignal): OcrEngine {
  return {
    recognize: (image, request = {}) => engine.recognize(image, { ...request, signal: request.signal ?? signal }),
    terminate: () => engine.terminate(),
  };
}

let shared: TesseractEngine | undefined;
/** The process-wide engine, created on first use; a later caller may raise its worker bound. */
export function sharedTesseractEngine(opts: { workers?: number } = {}): TesseractEngine {
  shared ??= new TesseractEngine(opts);
  if (opts.workers !== undefined) shared.allowWorkers(opts.workers);
  return shared;
}
