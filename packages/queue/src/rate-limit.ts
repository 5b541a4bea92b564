/**
 * A stage that throws an error named `RateLimitedError` with `retryAfterMs` (an external API
 * answered 429) pauses its whole queue for that long, fleet-wide, through BullMQ's rate limiter,
 * and the job goes back to the wait list without burning an attempt (docs/providers.md).
 */
import { Worker, type Queue } from 'bullmq';

export function rateLimitDelay(err: unknown): number | undefined {
  if (!(err instanceof Error) || err.name !== 'RateLimitedError') return undefined;
  const ms = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.max(1, Math.round(ms)) : undefined;
}

/** Pauses the queue and returns the error the processor must throw to hand the job back. */
export async function pauseQueueFor(queue: Queue, ms: number): Promise<Error> {
  await queue.rateLimit(ms);
  return Worker.RateLimitError();
}
