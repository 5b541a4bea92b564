/**
 * zod schemas of the admin answers (cache, breakers), assembled in their routers. They exist to
 * describe those answers in the OpenAPI document; the integration tests validate real answers
 * against them. Answers the SDK reads (reviews, batches) are in @mpp/schemas (`answers.ts`).
 */
import { z } from 'zod';

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
