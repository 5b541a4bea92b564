/** Stage G output: whether a person must look at the result, and why. */
import { z } from 'zod';
import { Confidence, StageMeta } from '../common';

/**
 * Why stage G flags a result (docs/review.md). `roundtrip_mismatch` (a formula or the diagram
 * regenerated unlike its region of the input) requires review on its own, whatever the job's
 * confidence; the others inform the reviewer and lower the confidence through their stages.
 */
export const ReviewReasonCode = z.enum(['low_confidence', 'provider_fallback', 'alignment_inconsistency', 'graph_invalid', 'roundtrip_mismatch', 'render_error']);
export type ReviewReasonCode = z.infer<typeof ReviewReasonCode>;

export const ReviewReason = z.object({
  stage: z.string(),
  code: ReviewReasonCode,
  message: z.string(),
  refs: z.array(z.string()).default([]),
});

/** Corrections a reviewer may send with a `modify` decision; each is validated before it is applied. */
export const FormulaCorrection = z.object({
  /** Index into stage B's `formulas` (0-based). */
  index: z.number().int().nonnegative(),
  latex: z.string().trim().min(1).max(20_000),
});
export const FactCorrection = z.object({
  statement: z.string().trim().min(1).max(500),
  subject: z.string().trim().min(1).max(200),
  relation: z.enum(['equals', 'measure_of']),
  value: z.union([z.number(), z.string().max(500)]),
});
export const ReviewCorrections = z
  .object({
    formulas: z.array(FormulaCorrection).max(500).optional(),
    /** The whole recognised text (Markdown with `$...$`), replacing stage B's `text`. */
    text: z.string().max(200_000).optional(),
    /** The graph's facts, replacing stage E's `facts` (confidence 1: a person said so). */
    facts: z.array(FactCorrection).max(500).optional(),
  })
  .strict();
export type ReviewCorrections = z.infer<typeof ReviewCorrections>;

/** One field a reviewer changed: where, what it was, what it became. */
export const ReviewChange = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });
export type ReviewChange = z.infer<typeof ReviewChange>;

/** A person's decision, recorded in the result's `review` section. */
export const ReviewDecisionRecord = z.object({
  action: z.enum(['approve', 'modify', 'reject']),
  reviewer: z.string(),
  decided_at: z.string(),
  comment: z.string().optional(),
  changes: z.array(ReviewChange).default([]),
});
export type ReviewDecisionRecord = z.infer<typeof ReviewDecisionRecord>;

export const HumanReviewOutput = StageMeta.extend({
  review_required: z.boolean(),
  threshold: Confidence,
  job_confidence: Confidence,
  reasons: z.array(ReviewReason),
  /** Confidence of each stage that fed the decision. */
  stage_confidences: z.record(z.string(), Confidence),
  status: z.enum(['not_required', 'required', 'disabled', 'approved', 'modified']),
  /** Present once a person decided (approve or modify; a rejected job fails instead). */
  decision: ReviewDecisionRecord.optional(),
});
export type HumanReviewOutput = z.infer<typeof HumanReviewOutput>;
