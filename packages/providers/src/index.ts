/** @mpp/providers: the only package that calls OCR engines and external APIs. */
export * from './local/tesseract-engine';
export * from './local/index';
export { LocalTextProvider } from './local/text';
export { LocalVisionProvider } from './local/vision';
export * from './external/index';
