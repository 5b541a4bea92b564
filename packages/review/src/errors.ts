/** Named errors of the review workflow; the API maps each `code` to a status. */
export type ReviewErrorCode = 'review_not_found' | 'review_not_pending' | 'review_lease_held' | 'review_job_not_waiting';

export class ReviewError extends Error {
  override readonly name = 'ReviewError';
  readonly retryable = false;
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
