/**
 * @mpp/review: human review that really waits. Review tasks in Redis (priority, leases,
 * decisions, escalation, feedback), the workflow over a job (`ReviewService`), and the worker
 * host's gate that parks the export stage without holding a worker slot (`ReviewGate`).
 */
export * from './keys';
export * from './errors';
export * from './review-store';
export * from './review-service';
export * from './review-gate';
export * from './create';
/** Thrown by `ReviewService.decide` when a correction does not fit the job (422 at the API). */
export { ReviewCorrectionError } from '@mpp/stages';
