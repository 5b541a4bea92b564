/**
 * The one error image validation throws. The API maps it to a 422 problem whose `errors` list
 * names each failed check; stage A lets it fail the job without retries (bytes do not heal).
 */

/** Check names fixed by DESIGN.md ("Image validation failed" answers with these). */
export type ImageCheckName = 'empty' | 'format' | 'file_size' | 'min_dimensions' | 'max_dimensions' | 'corrupt';

export interface ImageCheckFailure {
  check: ImageCheckName;
  message: string;
}

export class ImageValidationError extends Error {
  override readonly name = 'ImageValidationError';
  readonly code = 'image_validation_failed' as const;
  /** Retrying cannot fix the bytes: the queue layer must not retry this. */
  readonly retryable = false;
  readonly checks: readonly ImageCheckFailure[];

  constructor(checks: readonly ImageCheckFailure[]) {
    super(`Image validation failed: ${checks.map((c) => `${c.check}: ${c.message}`).join('; ')}`);
    this.checks = checks;
  }
}

export function isImageValidationError(err: unknown): err is ImageValidationError {
  return err instanceof ImageValidationError || (err instanceof Error && err.name === 'ImageValidationError');
}
