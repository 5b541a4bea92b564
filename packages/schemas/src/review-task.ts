/**
 * Review tasks: what a person sees in the review queue (`GET /v1/reviews`), what they send to
 * claim and decide one, and the feedback rows kept from their corrections.
 */
import { z } from 'zod';
import { ReviewCorrections, ReviewDecisionRecord, ReviewReason } from './stages/review';

export const REVIEW_TASK_STATUSES = ['pending', 'approved', 'modified', 'rejected', 'closed'] as const;
export const ReviewTaskStatus = z.enum(REVIEW_TASK_STATUSES);
export type ReviewTaskStatus = z.infer<typeof ReviewTaskStatus>;

/** A lease as its claimer gets it: the id is what proves the lease is theirs in later calls. */
export const ReviewLease = z.object({ id: z.string(), owner: z.string(), expires_at: z.string() });
export type ReviewLease = z.infer<typeof ReviewLease>;
/** A lease as everyone else sees it: who holds the task and until when, without the id. */
export const ReviewLeaseHolder = ReviewLease.omit({ id: true });
export type ReviewLeaseHolder = z.infer<typeof ReviewLeaseHolder>;

export const ReviewTask = z.object({
  /** The task id is the job id: a job is reviewed at most once. */
  id: z.string(),
  job_id: z.string(),
  status: ReviewTaskStatus,
  confidence: z.number(),
  threshold: z.number(),
  created_at: z.string(),
  /** When a pending task escalates (moves to the front of the queue, flagged `escalated`). */
  expires_at: z.string(),
  escalated: z.boolean(),
  image_sha256: z.string().nullable(),
  reasons: z.array(ReviewReason),
  /** Who holds the live lease, if anyone (an expired lease is shown as null). */
  lease: ReviewLeaseHolder.nullable(),
  decision: ReviewDecisionRecord.nullable(),
  /** Why a task closed without a decision (the job was cancelled or expired). */
  closed_reason: z.string().nullable(),
});
export type ReviewTask = z.infer<typeof ReviewTask>;

export const ReviewerName = z.string().trim().min(1).max(100);

/** A lease id as sent back by its claimer. */
const LeaseId = z.string().max(100);

/** `lease_id` renews the caller's own live lease; without it a live lease is someone else's. */
export const ReviewClaimRequest = z.object({ reviewer: ReviewerName, lease_id: LeaseId.optional() }).strict();
export type ReviewClaimRequest = z.infer<typeof ReviewClaimRequest>;

export const ReviewReleaseRequest = z.object({ lease_id: LeaseId }).strict();
export type ReviewReleaseRequest = z.infer<typeof ReviewReleaseRequest>;

/** `lease_id` is required while a lease lives: the reviewer name is free text and proves nothing. */
const DecisionBase = { reviewer: ReviewerName, lease_id: LeaseId.optional(), comment: z.string().max(2000).optional() };
export const ReviewDecisionRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('approve'), ...DecisionBase }).strict(),
  z.object({ action: z.literal('modify'), corrections: ReviewCorrections, ...DecisionBase }).strict(),
  z.object({ action: z.literal('reject'), reason: z.string().trim().min(1).max(2000), ...DecisionBase }).strict(),
]);
export type ReviewDecisionRequest = z.infer<typeof ReviewDecisionRequest>;

/** One line of `GET /v1/reviews/feedback.jsonl`: a correction, as data for improving recognisers. */
export const ReviewFeedback = z.object({
  task_id: z.string(),
  job_id: z.string(),
  image_sha256: z.string().nullable(),
  reviewer: z.string(),
  decided_at: z.string(),
  path: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type ReviewFeedback = z.infer<typeof ReviewFeedback>;
