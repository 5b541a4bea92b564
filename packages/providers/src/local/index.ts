/**
 * The providers that need no key and no network: tesseract for prose, connected-component layout
 * and geometry for diagrams. They share one OCR engine per process.
 */
import { LocalTextProvider } from './text';
import { LocalVisionProvider } from './vision';
import { sharedTesseractEngine } from './tesseract-engine';

export interface LocalProviders {
  providers: { text: [LocalTextProvider]; vision: [LocalVisionProvider] };
  close(): Promise<void>;
}

export function createLocalProviders(): LocalProviders {
  const engine = sharedTesseractEngine();
  return {
    providers: { text: [new LocalTextProvider(engine)], vision: [new LocalVisionProvider(engine)] },
    close: () => engine.terminate(),
  };
}
