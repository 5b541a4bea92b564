/** Bodies of `/health` and `/ready`, as the deployment guide shows them. */
import { z } from 'zod';

export const HealthResponse = z.object({ status: z.literal('healthy'), version: z.string(), timestamp: z.string() });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ReadyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()),
});
export type ReadyResponse = z.infer<typeof ReadyResponse>;
