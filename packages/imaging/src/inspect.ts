/**
 * Image validation, shared by the API (at the door, before anything is stored) and stage A.
 * Checks run from cheapest to dearest: emptiness, magic bytes, file size, header dimensions,
 * then a bounded decode for corruption. Pixels are only decoded once the header has proved the
 * image small enough, so a decompression bomb costs a header read.
 */
import sharp from 'sharp';
import { ImageValidationError, type ImageCheckFailure } from './errors';
import { isAcceptedFormat, sniffFormat, type AcceptedFormat } from './sniff';

export interface ImageLimits {
  minDimension: number;
  maxDimension: number;
  maxBytes: number;
}

/** The seed guide's limits: 50x50 to 4096x4096, 50 MB. */
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { minDimension: 50, maxDimension: 4096, maxBytes: 50 * 1024 * 1024 };

export interface ImageInfo {
  format: AcceptedFormat;
  /** As displayed: EXIF orientations 5-8 swap the stored width and height. */
  width: number;
  height: number;
  bytes: number;
  hasAlpha: boolean;
  /** EXIF orientation (1-8) when the file carries one. */
  orientation?: number;
  channels: number;
  space: string;
}

export interface InspectOptions {
  /** Decode the pixels to detect truncation and corruption (default true). */
  decode?: boolean;
}

const FORMAT_NAMES: Record<string, string> = {
  pdf: 'PDF',
  gif: 'GIF',
  svg: 'SVG',
  bmp: 'BMP',
  tiff: 'TIFF',
  heif: 'HEIF/AVIF',
  zip: 'ZIP',
  unknown: 'unknown',
};

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Largest pixel count any decode may touch; sharp refuses inputs beyond it before decoding. */
export function pixelLimit(limits: ImageLimits): number {
  return limits.maxDimension * limits.maxDimension;
}

/** Validates `bytes` against `limits`; throws `ImageValidationError` listing every failed check. */
export async function inspectImage(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS, options: InspectOptions = {}): Promise<ImageInfo> {
  if (bytes.length === 0) throw new ImageValidationError([{ check: 'empty', message: 'the image is empty (0 bytes)' }]);

  const sniffed = sniffFormat(bytes);
  if (!isAcceptedFormat(sniffed)) {
    throw new ImageValidationError([
      { check: 'format', message: `bytes are not a PNG, JPEG or WebP image (looks like ${FORMAT_NAMES[sniffed] ?? sniffed})` },
    ]);
  }

  const failures: ImageCheckFailure[] = [];
  if (bytes.length > limits.maxBytes) {
    failures.push({
      check: 'file_size',
      message: `file is ${formatMegabytes(bytes.length)}, more than the ${formatMegabytes(limits.maxBytes)} limit`,
    });
  }

  // Header only: metadata() never decodes pixels. The pixel limit is lifted here on purpose so
  // an oversized header yields its real dimensions for the message instead of a bare refusal.
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageValidationError([...failures, { check: 'corrupt', message: `unreadable ${sniffed.toUpperCase()} header: ${(err as Error).message}` }]);
  }
  if (meta.format !== sniffed) {
    throw new ImageValidationError([
      ...failures,
      { check: 'corrupt', message: `file starts like ${sniffed.toUpperCase()} but decodes as ${String(meta.format)}` },
    ]);
  }

  const swapped = meta.orientation !== undefined && meta.orientation >= 5;
  const width = swapped ? meta.height : meta.width;
  const height = swapped ? meta.width : meta.height;
  if (width > limits.maxDimension || height > limits.maxDimension) {
    failures.push({ check: 'max_dimensions', message: `image is ${width}x${height}, larger than ${limits.maxDimension}x${limits.maxDimension}` });
  } else if (width < limits.minDimension || height < limits.minDimension) {
    failures.push({ check: 'min_dimensions', message: `image is ${width}x${height}, smaller than ${limits.minDimension}x${limits.minDimension}` });
  }
  if (failures.length > 0) throw new ImageValidationError(failures);

  if (options.decode !== false) await assertDecodes(bytes, limits);

  return {
    format: sniffed,
    width,
    height,
    bytes: bytes.length,
    hasAlpha: meta.hasAlpha,
    ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
    channels: meta.channels,
    space: meta.space,
  };
}

/**
 * Decodes every pixel, failing on decoder errors and truncation (not on mere warnings, which
 * real cameras and scanners trigger harmlessly). Shrinking to a thumbnail keeps memory small and
 * lets JPEG use shrink-on-load, which still reads the whole entropy-coded stream.
 */
async function assertDecodes(bytes: Buffer, limits: ImageLimits): Promise<void> {
  try {
    await sharp(bytes, { failOn: 'error', limitInputPixels: pixelLimit(limits) })
      .resize(64, 64, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new ImageValidationError([{ check: 'corrupt', message: `image data is truncated or corrupt: ${(err as Error).message}` }]);
  }
}
