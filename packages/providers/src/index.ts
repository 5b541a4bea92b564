/** @mpp/providers: the only package that calls OCR engines and external APIs. */
export * from './local/tesseract-engine';
export * from './local/index';
export { LocalTextProvider, FormulaReader, defaultFormulaReader, compactLatex, DEFAULT_FORMULA_THRESHOLD, type FormulaRecognizer } from './local/text';
export { LocalVisionProvider } from './local/vision';
export * from './external/index';
export { apiProviderVersion, endpointOf, localProviderVersion } from './provider-version';
