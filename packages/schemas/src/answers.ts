/**
 * Answers of the review and batch routes, assembled by their routers from records: the API
 * describes them in its OpenAPI document with these schemas and the SDK types what it reads with
 * them, so the two cannot drift apart.
 */
import { z } from 'zod';
import { JobView } from './job';
import { ReviewLease, ReviewTask, ReviewTaskStatus } from './review-task';

export const ReviewTaskLinks = z.object({ self: z.string(), claim: z.string(), release: z.string(), decision: z.string(), job: z.string(), page: z.string() });

export const ReviewTaskListItem = ReviewTask.extend({ links: ReviewTaskLinks });
export type ReviewTaskListItem = z.infer<typeof ReviewTaskListItem>;

export const ReviewTaskList = z.object({
  status: ReviewTaskStatus.or(z.literal('decided')),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  tasks: z.array(ReviewTaskListItem),
});
export type ReviewTaskList = z.infer<typeof ReviewTaskList>;

export const ReviewTaskDetail = ReviewTask.extend({
  links: ReviewTaskLinks,
  job: JobView.nullable(),
  /** What a reviewer needs to judge the job: the image, text, formulas, figure, facts, checks. */
  context: z.object({
    image: z.object({ url: z.string(), width: z.number(), height: z.number() }).nullable(),
    text: z.string().nullable(),
    formulas: z.array(z.record(z.string(), z.unknown())),
    regions: z.array(z.unknown()),
    elements: z.array(z.unknown()),
    facts: z.array(z.unknown()),
    roundtrip: z.unknown(),
    review: z.unknown(),
  }),
});
export type ReviewTaskDetail = z.infer<typeof ReviewTaskDetail>;

export const ReviewDecisionAnswer = ReviewTask.extend({ links: ReviewTaskLinks, job: JobView.nullable() });
export type ReviewDecisionAnswer = z.infer<typeof ReviewDecisionAnswer>;

export const ReviewClaimAnswer = z.object({ task_id: z.string(), lease: ReviewLease });
export type ReviewClaimAnswer = z.infer<typeof ReviewClaimAnswer>;

export const ReviewReleaseAnswer = z.object({ task_id: z.string(), lease: z.null() });
export type ReviewReleaseAnswer = z.infer<typeof ReviewReleaseAnswer>;

const BatchItemRef = z.object({ index: z.number().int().nonnegative(), job_id: z.string(), links: z.object({ self: z.string() }) });

export const BatchAccepted = z.object({ id: z.string(), status: z.literal('processing'), created_at: z.string(), total: z.number().int().positive(), items: z.array(BatchItemRef), links: z.object({ self: z.string() }) });
export type BatchAccepted = z.infer<typeof BatchAccepted>;

export const BatchView = z.object({
  id: z.string(),
  status: z.enum(['processing', 'completed']),
  created_at: z.string(),
  completed_at: z.string().nullable().meta({ description: 'When the last item ended (when `batch.completed` was emitted).' }),
  total: z.number().int().positive(),
  counts: z.record(z.string(), z.number().int().nonnegative()).meta({ description: 'Items per job status, plus `expired` for records that are gone.' }),
  items: z.array(BatchItemRef.extend({ status: z.string() })),
  links: z.object({ self: z.string() }),
});
export type BatchView = z.infer<typeof BatchView>;
