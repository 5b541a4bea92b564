/**
 * How a stage error steers the queue: errors that know they are permanent carry
 * `retryable = false` (or are BullMQ's `UnrecoverableError`); everything else is retried within
 * the stage's attempts. Codes and messages reach the job record, so they must be safe to show.
 */
export interface StageErrorInfo {
  code: string;
  message: string;
  retryable: boolean;
}

interface CodedError {
  code?: unknown;
  retryable?: unknown;
  name?: unknown;
  message?: unknown;
}

export class StageTimeoutError extends Error {
  readonly code = 'stage_timeout';
  readonly retryable = true;
  constructor(readonly stage: string, readonly timeoutMs: number) {
    super(`stage ${stage} took longer than ${timeoutMs} ms`);
    this.name = 'StageTimeoutError';
  }
}

/** The job was cancelled (`DELETE /v1/jobs/:id`) while this stage ran: never retried. */
export class JobCancelledError extends Error {
  readonly code = 'cancelled';
  readonly retryable = false;
  constructor(readonly jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
  }
}

export function describeStageError(err: unknown): StageErrorInfo {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as CodedError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = (typeof e.message === 'string' && e.message ? e.message : name).slice(0, 1000);
  if (name === 'ZodError') return { code: 'invalid_stage_output', message: `stage output failed validation: ${message}`, retryable: false };
  if (name === 'UnrecoverableError') return { code: typeof e.code === 'string' ? e.code : 'unrecoverable', message, retryable: false };
  const code = typeof e.code === 'string' && /^[a-z][a-z0-9_]{1,63}$/.test(e.code) ? e.code : 'stage_error';
  return { code, message, retryable: e.retryable !== false };
}
