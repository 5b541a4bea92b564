/**
 * @mpp/recognizer: offline recognition of printed math. See README.md for the contract.
 */
export { MathRecognizer, type Recognition, type RecognizedSymbol, type RecognizerOptions } from './recognizer';
export { RecognizerError, type RecognizerErrorCode } from './errors';
export { normalizeLatex, tokenizeLatex } from './latex/normalize';
export { texToSvg, placeTexSvg, type TexSvg } from './render/mathjax';
export { rasterizeSvg, toInkImage, type InkImage } from './image/ink-image';
