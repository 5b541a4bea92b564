/** Every Redis key of the review queue, under the configured prefix (`REDIS_PREFIX`). */
export interface ReviewKeys {
  task(id: string): string;
  /** Sorted set of pending task ids by priority (escalated, then lower confidence, then older). */
  pending(): string;
  /** Sorted set of pending task ids by the time they escalate (ms). */
  expiry(): string;
  /** Sorted set of decided or closed task ids by the time they were (ms). */
  decided(): string;
  /** List of feedback rows (JSON), oldest first. */
  feedback(): string;
}

export function reviewKeys(prefix: string): ReviewKeys {
  return {
    task: (id) => `${prefix}:review:task:${id}`,
    pending: () => `${prefix}:review:pending`,
    expiry: () => `${prefix}:review:expiry`,
    decided: () => `${prefix}:review:decided`,
    feedback: () => `${prefix}:review:feedback`,
  };
}

/**
 * Priority score (lower is served first): escalated tasks before all others, then confidence in
 * steps of 0.01 (lowest first), then creation time (oldest first). Exact in a double: < 2^53.
 */
export function priorityScore(confidence: number, createdMs: number, escalated: boolean): number {
  if (escalated) return createdMs - 1e13;
  return Math.floor(Math.min(1, Math.max(0, confidence)) * 100) * 1e13 + createdMs;
}
