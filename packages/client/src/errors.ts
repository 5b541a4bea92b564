/**
 * Errors the client throws. Every answer of the API that is not a success becomes an `ApiError`
 * subclass carrying the RFC 9457 problem document, so callers branch with `instanceof` (or on
 * `name` / `status` across bundles) and read `problem.errors` for the failed fields or checks.
 */
import type { Problem } from '@mpp/schemas';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly problem: Problem;
  /** Seconds the server asked us to wait (`Retry-After`), when it said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: Problem, retryAfterSeconds?: number) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.status = problem.status;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The problem type's last path segment, e.g. `job-not-found`, `image-validation-failed`. */
  get code(): string {
    return this.problem.type.split('/').pop() ?? this.problem.type;
  }
}

/** 400 / 413 / 415: the request itself is wrong; `problem.errors` names each field. */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
}
/** 401 / 403: missing or refused API key. */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}
/** 404: no such job, batch, review or export. */
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}
/** 409: the resource is not in a state that allows this (e.g. result of an unfinished job). */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}
/** 410: the job an `Idempotency-Key` created was deleted or expired; send again with a new key. */
export class GoneError extends ApiError {
  override name = 'GoneError';
}
/** 422: the image failed validation (`problem.errors[].field` is the check) or an idempotency key was reused with another body. */
export class UnprocessableError extends ApiError {
  override name = 'UnprocessableError';
}
/** 429: rate limited, after the client's own retries ran out. */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
}
/** 503 (queue full, not ready) after retries, or any 5xx. */
export class ServerError extends ApiError {
  override name = 'ServerError';
}

/** The server could not be reached, or did not answer within the client's timeout. */
export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

/** `waitFor` gave up before the job settled. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(readonly jobId: string, readonly lastStatus: string, timeoutMs: number) {
    super(`job ${jobId} still ${lastStatus} after ${timeoutMs} ms`);
  }
}

export function errorForProblem(problem: Problem, retryAfterSeconds?: number): ApiError {
  const s = problem.status;
  if (s === 400 || s === 413 || s === 415) return new ValidationError(problem, retryAfterSeconds);
  if (s === 401 || s === 403) return new AuthenticationError(problem, retryAfterSeconds);
  if (s === 404) return new NotFoundError(problem, retryAfterSeconds);
  if (s === 409) return new ConflictError(problem, retryAfterSeconds);
  if (s === 410) return new GoneError(problem, retryAfterSeconds);
  if (s === 422) return new UnprocessableError(problem, retryAfterSeconds);
  if (s === 429) return new RateLimitError(problem, retryAfterSeconds);
  if (s >= 500) return new ServerError(problem, retryAfterSeconds);
  return new ApiError(problem, retryAfterSeconds);
}
