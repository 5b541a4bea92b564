/**
 * Stage A, ingestion: reads the uploaded bytes, validates them (the same checks the API ran at
 * the door, so a job enqueued by another path is held to them too), normalises the image and
 * stores the canonical PNG every later stage reads.
 */
import { inspectImage, normalizeImage, type ImageLimits } from '@mpp/imaging';
import type { IngestionOutput } from '@mpp/schemas';
import type { StageContext, StageFn } from '../context';

export { ImageValidationError, isImageValidationError } from '@mpp/imaging';

export function imageLimitsFrom(settings: StageContext['settings']): ImageLimits {
  return {
    minDimension: settings.minImageDimension,
    maxDimension: settings.maxImageDimension,
    maxBytes: settings.maxImageBytes,
  };
}

/** Throws `ImageValidationError` (`retryable: false`) when the upload fails validation. */
export const ingestionStage: StageFn<'A'> = async (input, ctx): Promise<IngestionOutput> => {
  const startedAt = performance.now();
  const original = await ctx.blobs.get(input.original_ref);
  const limits = imageLimitsFrom(ctx.settings);

  const info = await inspectImage(original, limits);
  ctx.signal.throwIfAborted();
  const normalized = await normalizeImage(original, { maxDimension: limits.maxDimension });
  ctx.signal.throwIfAborted();
  const imageRef = await ctx.blobs.put(normalized.png);

  ctx.logger.debug(
    { format: info.format, width: normalized.width, height: normalized.height, rotated: normalized.rotated },
    'image normalised',
  );
  return {
    provider: 'sharp',
    // Decoding is deterministic: the image either passed validation or the stage threw.
    confidence: 1,
    duration_ms: Math.round(performance.now() - startedAt),
    image_ref: imageRef,
    sha256: normalized.sha256,
    original: {
      format: info.format,
      width: info.width,
      height: info.height,
      bytes: info.bytes,
      ...(info.orientation !== undefined ? { orientation: info.orientation } : {}),
      has_alpha: info.hasAlpha,
    },
    width: normalized.width,
    height: normalized.height,
    scale: normalized.scale,
    rotated: normalized.rotated,
    alpha_flattened: normalized.alphaFlattened,
  };
};
