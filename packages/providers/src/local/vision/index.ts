/** Local (no API key) vision analysis for stage C: layout regions and diagram geometry from pixels. */
export { LocalVisionProvider, type LocalVisionResult, type LocalVisionCallOptions } from './provider';
export { ImageDecodeError } from './raster';
