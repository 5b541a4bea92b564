/** Stage G output: whether a person must look at the result, and why. */
import { z } from 'zod';
import { Confidence, StageMeta } from '../common';

export const ReviewReason = z.object({
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  refs: z.array(z.string()).default([]),
});

export const HumanReviewOutput = StageMeta.extend({
  review_required: z.boolean(),
  threshold: Confidence,
  job_confidence: Confidence,
  reasons: z.array(ReviewReason),
  /** Confidence of each stage that fed the decision. */
  stage_confidences: z.record(z.string(), Confidence),
  status: z.enum(['not_required', 'required', 'disabled', 'approved', 'modified']),
});
export type HumanReviewOutput = z.infer<typeof HumanReviewOutput>;
