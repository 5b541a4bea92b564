/**
 * One long-lived tesseract.js worker per process, shared by every caller (stage B's prose OCR,
 * stage C's label reading). Calls are serialised: a tesseract worker handles one image at a time,
 * and parameters such as the page segmentation mode are per-worker state.
 *
 * The language data always comes from `@tesseract.js-data/eng` in node_modules. tesseract.js
 * crashes the process when it tries to download data, so the file is checked before the worker
 * is created and a missing file is a clear error instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import type { BBox } from '@mpp/schemas';

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

export class TesseractEngine implements OcrEngine {
  private worker?: Promise<Worker>;
  private tail: Promise<unknown> = Promise.resolve();
  private currentParams = '';

  private getWorker(): Promise<Worker> {
    this.worker ??= createWorker('eng', OEM.LSTM_ONLY, {
      langPath: resolveEnglishLangPath(),
      gzip: true,
      cacheMethod: 'none',
      logger: () => undefined,
      errorHandler: () => undefined,
    });
    return this.worker;
  }

  recognize(image: Buffer, request: OcrRequest = {}): Promise<OcrPage> {
    const run = async (): Promise<OcrPage> => {
      const worker = await this.getWorker();
      const params = { tessedit_pageseg_mode: PSM_BY_MODE[request.mode ?? 'auto'], tessedit_char_whitelist: request.whitelist ?? '' };
      const key = JSON.stringify(params);
      if (key !== this.currentParams) {
        await worker.setParameters(params);
        this.currentParams = key;
      }
      const options = request.rectangle
        ? { rectangle: { left: Math.round(request.rectangle.x), top: Math.round(request.rectangle.y), width: Math.round(request.rectangle.w), height: Math.round(request.rectangle.h) } }
        : {};
      const { data } = await worker.recognize(image, options, { blocks: true, text: true });
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
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.currentParams = '';
    if (worker) await (await worker).terminate();
  }
}

let shared: TesseractEngine | undefined;
/** The process-wide engine; created lazily on first use. */
export function sharedTesseractEngine(): TesseractEngine {
  shared ??= new TesseractEngine();
  return shared;
}
