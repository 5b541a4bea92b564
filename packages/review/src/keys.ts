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

/** Width of one priority band: creation times (ms since 1970) stay below it until the year 2286. */
const BAND = 1e13;

/**
 * Priority score (lower is served first): escalated tasks before all others, then confidence in
 * steps of 0.01 (lowest first), then creation time (oldest first). Exact in a double: < 2^53.
 */
export function priorityScore(confidence: number, createdMs: number, escalated: boolean): number {
  if (escalated) return createdMs - BAND;
  return Math.floor(Math.min(1, Math.max(0, confidence)) * 100) * BAND + createdMs;
}

/** The creation time a priority score carries: its offset inside its band. */
export function createdMsOfScore(score: number): number {
  return score < 0 ? score + BAND : score % BAND;
}

/**
 * Score ranges (ZRANGEBYSCORE bounds) of the priority bands: escalated, then one per confidence
 * step. Inside a band tasks are ordered by creation time, so each band's first task is its oldest.
 */
export function priorityBands(): Array<{ min: string; max: string }> {
  const bands = [{ min: '-inf', max: '(0' }];
  for (let step = 0; step <= 100; step++) bands.push({ min: String(step * BAND), max: `(${(step + 1) * BAND}` });
  return bands;
}
