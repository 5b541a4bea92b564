/**
 * Normalisation: the one canonical copy of an image that every later stage reads. Upright
 * (EXIF applied), opaque (alpha flattened onto white, as paper), sRGB, 8-bit PNG, no larger than
 * the working size. Also the content hashes the store and the cache key on.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';

export interface NormalizeOptions {
  /** Longest side of the output; larger images are downscaled keeping their aspect ratio. */
  maxDimension: number;
  /** Pixel budget for the decode; defaults to maxDimension squared (already validated input). */
  limitInputPixels?: number;
}

export interface NormalizedImage {
  png: Buffer;
  width: number;
  height: number;
  /** Output size over the displayed (EXIF-rotated) original size; 1 when not resized. */
  scale: number;
  rotated: boolean;
  alphaFlattened: boolean;
  /** sha256 of the original bytes, as uploaded. */
  sha256: string;
  /** sha256 of the normalised PNG. */
  normalizedSha256: string;
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export async function normalizeImage(bytes: Buffer, opts: NormalizeOptions): Promise<NormalizedImage> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  const orientation = meta.orientation ?? 1;
  const swapped = orientation >= 5;
  const displayedWidth = swapped ? meta.height : meta.width;
  const displayedHeight = swapped ? meta.width : meta.height;
  const limitInputPixels = opts.limitInputPixels ?? Math.max(opts.maxDimension * opts.maxDimension, meta.width * meta.height);

  // rotate() without an angle applies the EXIF orientation and drops the tag.
  let pipeline = sharp(bytes, { limitInputPixels, failOn: 'error' }).rotate();
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  pipeline = pipeline.toColourspace('srgb');
  if (Math.max(displayedWidth, displayedHeight) > opts.maxDimension) {
    pipeline = pipeline.resize({ width: opts.maxDimension, height: opts.maxDimension, fit: 'inside' });
  }
  const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });

  return {
    png: data,
    width: info.width,
    height: info.height,
    scale: info.width / displayedWidth,
    rotated: orientation > 1,
    alphaFlattened: meta.hasAlpha,
    sha256: sha256(bytes),
    normalizedSha256: sha256(data),
  };
}
