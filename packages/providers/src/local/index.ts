/**
 * The providers that need no key and no network: tesseract for prose, connected-component layout
 * and geometry for diagrams, @mpp/recognizer for the formulas tesseract finds. They share one OCR
 * engine per process (a bounded pool of tesseract workers).
 */
import { defaultFormulaReader, LocalTextProvider } from './text';
import { LocalVisionProvider } from './vision';
import { sharedTesseractEngine } from './tesseract-engine';

export interface LocalProviders {
  providers: { text: [LocalTextProvider]; vision: [LocalVisionProvider] };
  close(): Promise<void>;
}

export interface LocalProvidersOptions {
  /** Where the math recogniser caches its templates (PIPELINE_CACHE_DIR); rebuilt in memory without it. */
  cacheDir?: string;
  /** Read formulas again with @mpp/recognizer (default true). */
  formulaRecognizer?: boolean;
  /** Most tesseract workers of the process's OCR engine (`OCR_WORKERS`); default 1. */
  ocrWorkers?: number;
}

export function createLocalProviders(opts: LocalProvidersOptions = {}): LocalProviders {
  const engine = sharedTesseractEngine(opts.ocrWorkers !== undefined ? { workers: opts.ocrWorkers } : {});
  const formulas = opts.formulaRecognizer === false ? undefined : defaultFormulaReader(opts.cacheDir ? { cacheDir: opts.cacheDir } : {});
  return {
    providers: { text: [new LocalTextProvider(engine, formulas)], vision: [new LocalVisionProvider(engine)] },
    close: () => engine.terminate(),
  };
}
