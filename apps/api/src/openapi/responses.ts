/**
 * zod schemas of the responses whose shape is assembled in a router rather than defined in
 * @mpp/schemas (review list and task, admin cache and breakers). They exist to describe those
 * answers in the OpenAPI document; the integration tests validate real answers against them.
 */
import { z } from 'zod';
import { JobView, ReviewLease, ReviewTask, ReviewTaskStatus } from '@mpp/schemas';

export const ReviewTaskLinks = z.object({ self: z.string(), claim: z.string(), decision: z.string(), job: z.string(), page: z.string() });

export const ReviewTaskListItem = ReviewTask.extend({ links: ReviewTaskLinks });

export const ReviewTaskList = z.object({
  status: ReviewTaskStatus.or(z.literal('decided')),
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().positive(),
  tasks: z.array(ReviewTaskListItem),
});

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

export const ReviewDecisionAnswer = ReviewTask.extend({ links: ReviewTaskLinks, job: JobView.nullable() });

export const ReviewClaimAnswer = z.object({ task_id: z.string(), lease: ReviewLease });

const NamespaceStats = z.object({ hits: z.number(), misses: z.number(), entries: z.number(), bytes: z.number() });
export const CacheStats = z.object({
  namespaces: z.record(z.string(), NamespaceStats),
  total_bytes: z.number(),
  max_bytes: z.number(),
  expired_removed: z.number(),
});
export const CacheCleared = z.object({ cleared: z.array(z.string()) });
export const CacheNamespaceCleared = z.object({ namespace: z.string(), removed: z.number() });

export const BreakerSnapshot = z.object({
  name: z.string(),
  state: z.enum(['closed', 'open', 'half_open']),
  failure_count: z.number().int(),
  opened_at: z.string().nullable(),
  retry_after: z.number(),
  half_open_probes: z.number().int(),
  unauthorized: z.boolean(),
  configured: z.boolean(),
});
export const BreakerList = z.object({ breakers: z.array(BreakerSnapshot) });
export const BreakerReset = BreakerSnapshot.extend({ previous_state: z.enum(['closed', 'open', 'half_open']) });
