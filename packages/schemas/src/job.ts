/** The job as clients see it: status, per-stage progress, errors. */
import { z } from 'zod';
import { STAGE_IDS, STAGE_NAMES, type StageId } from './stages/catalog';

export const JOB_STATUSES = ['queued', 'running', 'awaiting_review', 'completed', 'failed', 'cancelled'] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const STAGE_STATUSES = ['pending', 'queued', 'running', 'completed', 'failed', 'skipped', 'cached'] as const;
export const StageStatus = z.enum(STAGE_STATUSES);
export type StageStatus = z.infer<typeof StageStatus>;
/** Statuses after which a stage will not run again for this job. */
export const STAGE_DONE: readonly StageStatus[] = ['completed', 'skipped', 'cached'];

export const JobError = z.object({
  stage: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});
export type JobError = z.infer<typeof JobError>;

export const StageState = z.object({
  name: z.string(),
  status: StageStatus,
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  attempts: z.number().int().nonnegative(),
  provider: z.string().nullable(),
  error: JobError.nullable(),
  /**
   * Present while a queued stage waits for something other than a free worker: an external API
   * answered 429 and the stage's queue is paused until `until` (docs/providers.md). Cleared when
   * the stage starts again.
   */
  /**
   * Time this stage has spent paused for rate-limited providers, summed over its hand-backs. Once a
   * further wait would take it past PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS, the provider chain falls
   * back to the next provider instead of pausing again, so a provider that keeps answering 429 can
   * delay a job but never hold it until its deadline.
   */
  rate_limited_ms: z.number().int().nonnegative().optional(),
  waiting: z
    .object({
      reason: z.literal('rate_limited'),
      provider: z.string().nullable(),
      until: z.string(),
      message: z.string(),
    })
    .optional(),
});
export type StageState = z.infer<typeof StageState>;
export type StageWaiting = NonNullable<StageState['waiting']>;

export function initialStageState(id: StageId, status: StageStatus = 'pending'): StageState {
  return { name: STAGE_NAMES[id], status, started_at: null, finished_at: null, duration_ms: null, attempts: 0, provider: null, error: null };
}

export const JobLinks = z.object({
  self: z.string(),
  result: z.string(),
  events: z.string(),
  exports: z.record(z.string(), z.string()).optional(),
});

export const JobView = z.object({
  id: z.string(),
  status: JobStatus,
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  progress: z.number().min(0).max(1),
  stages: z.record(z.enum(STAGE_IDS), StageState),
  error: JobError.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  options: z.record(z.string(), z.unknown()),
  confidence: z.number().nullable(),
  links: JobLinks,
});
export type JobView = z.infer<typeof JobView>;

export const JobAccepted = z.object({
  id: z.string(),
  status: JobStatus,
  created_at: z.string(),
  links: JobLinks,
});
export type JobAccepted = z.infer<typeof JobAccepted>;
