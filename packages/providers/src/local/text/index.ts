/** Stage B's local text provider and the pieces other local providers may reuse. */
export { LocalTextProvider, type LocalTextResult, type LocalTextCallOptions } from './local-text-provider';
export { FormulaReader, defaultFormulaReader, compactLatex, DEFAULT_FORMULA_THRESHOLD, type FormulaRecognizer, type FormulaReaderOptions, type FormulaReading } from './formula-reader';
