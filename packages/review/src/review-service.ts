/**
 * The review workflow over a job: opening a task when stage G asks for a person, claims,
 * decisions (approve / modify / reject) and what they do to the job, and tasks left too long.
 *
 * A decision is recorded first (atomically, with its corrections and feedback rows), then applied
 * to the job by `resume`, which is idempotent: the API calls it right away, and the parked export
 * stage calls it again when it wakes, so a crash between the two steps delays a job but never
 * loses a decision.
 */
import { isTerminal, STAGE_OUTPUT_SCHEMAS, type HumanReviewOutput, type ReviewDecisionRecord, type ReviewDecisionRequest, type ReviewFeedback, type ReviewLease, type ReviewTask, type StageId } from '@mpp/schemas';
import { applyReviewCorrections } from '@mpp/stages';
import type { JobDeadlines, JobStore } from '@mpp/store';
import type { Logger } from '@mpp/telemetry';
import { ReviewError } from './errors';
import type { ReviewStore } from './review-store';

export interface ReviewSettings {
  leaseSeconds: number;
  expiryHours: number;
  /** What happens to a task nobody decided in `expiryHours`. */
  expiryAction: 'escalate' | 'reject';
  /** Longest a parked export stage sleeps before it looks again (a safety net for lost wake-ups). */
  recheckSeconds: number;
  /** The job deadline set again when a job resumes (unless its options set `timeout_seconds`). */
  jobTimeoutSeconds: number;
}

export interface ReviewServiceOptions {
  store: JobStore;
  reviews: ReviewStore;
  deadlines?: JobDeadlines;
  settings: ReviewSettings;
  /** Wakes the job's parked export stage (PipelineQueues.wakeStage in the apps). */
  wake?: (jobId: string) => Promise<unknown>;
  /** The job's images (BlobStore), kept alive as long as a job that waits for days. */
  images?: { touch(ref: string, ttlSeconds: number): Promise<void> };
  logger: Logger;
}

/** The reviewer recorded when a task runs out of time and `expiryAction` is `reject`. */
export const EXPIRY_REVIEWER = 'system:expiry';
/** The outputs corrections change, and those they read (the graph is rebuilt with C and D). */
const CORRECTED_STAGES = ['B', 'E', 'F'] as const satisfies readonly StageId[];
const CORRECTION_INPUTS = ['B', 'C', 'D', 'E', 'F'] as const satisfies readonly StageId[];

export class ReviewService {
  constructor(private readonly opts: ReviewServiceOptions) {}

  get reviews(): ReviewStore {
    return this.opts.reviews;
  }

  get settings(): ReviewSettings {
    return this.opts.settings;
  }

  /** Stage G asked for a person: create the task (once), then hold the job. */
  async open(jobId: string, review: HumanReviewOutput): Promise<void> {
    // The job waits first, the task follows: a sweeper never sees a task whose job still runs,
    // and a crash in between leaves a waiting job whose parked export stage re-opens the task.
    if ((await this.opts.store.awaitReview(jobId)) !== 'applied') {
      const job = await this.opts.store.get(jobId);
      if (job?.status !== 'awaiting_review') return;
    }
    const ingestion = await this.opts.store.getOutput(jobId, 'A');
    // Waiting refreshed the job record's TTL; its images must last as long (the review page shows them).
    await this.keepImages(jobId, this.opts.store.ttlSeconds);
    const created = await this.opts.reviews.create({ jobId, review, imageSha256: ingestion?.sha256 ?? null, expiresInMs: this.opts.settings.expiryHours * 3_600_000 });
    if (created) this.opts.logger.info({ job_id: jobId, confidence: review.job_confidence }, 'job awaits review');
  }

  async get(taskId: string): Promise<ReviewTask> {
    const task = (await this.opts.reviews.get(taskId)) ?? (await this.openedForWaitingJob(taskId));
    if (!task) throw new ReviewError('review_not_found', `no review task ${taskId}`);
    return task;
  }

  /**
   * A job shows `awaiting_review` a moment before its task exists (see `open`), and a crash in
   * between leaves it without one: asked for the task of such a job, open it now from G's output.
   */
  private async openedForWaitingJob(jobId: string): Promise<ReviewTask | null> {
    const job = await this.opts.store.get(jobId);
    if (job?.status !== 'awaiting_review') return null;
    const review = await this.opts.store.getOutput(jobId, 'G');
    if (!review?.review_required) return null;
    await this.open(jobId, review);
    return this.opts.reviews.get(jobId);
  }

  /** Takes the task's lease, or renews the caller's own when `leaseId` is its id. */
  async claim(taskId: string, reviewer: string, leaseId?: string): Promise<ReviewLease> {
    const task = await this.pendingTaskOfWaitingJob(taskId);
    const result = await this.opts.reviews.claim(task.id, reviewer, this.opts.settings.leaseSeconds * 1000, Date.now(), leaseId);
    switch (result.outcome) {
      case 'claimed':
        return result.lease;
      case 'held':
        throw leaseHeld(result.holder.owner, result.holder.expires_at);
      case 'missing':
        throw new ReviewError('review_not_found', `no review task ${taskId}`);
      case 'not_pending':
        throw new ReviewError('review_not_pending', `review task ${taskId} was already decided`);
    }
  }

  /** Gives a lease back early, so a reviewer skimming the queue leaves the task free for others. */
  async release(taskId: string, leaseId: string): Promise<void> {
    const result = await this.opts.reviews.release(taskId, leaseId);
    switch (result.outcome) {
      case 'released':
        return;
      case 'held':
        throw leaseHeld(result.holder.owner, result.holder.expires_at);
      case 'missing':
        throw new ReviewError('review_not_found', `no review task ${taskId}`);
      case 'not_pending':
        throw new ReviewError('review_not_pending', `review task ${taskId} was already decided`);
    }
  }

  async decide(taskId: string, request: ReviewDecisionRequest): Promise<ReviewTask> {
    const task = await this.pendingTaskOfWaitingJob(taskId);
    const decidedAt = new Date();
    let changes: ReviewDecisionRecord['changes'] = [];
    if (request.action === 'modify') {
      // Applied once here only to validate and to list the changes; `resume` applies it for real.
      changes = (await this.corrected(task.job_id, request.corrections)).changes;
    }
    const comment = request.action === 'reject' ? request.reason : request.comment;
    const decision: ReviewDecisionRecord = { action: request.action, reviewer: request.reviewer, decided_at: decidedAt.toISOString(), ...(comment ? { comment } : {}), changes };
    const feedback: ReviewFeedback[] = changes.map((c) => ({ task_id: task.id, job_id: task.job_id, image_sha256: task.image_sha256, reviewer: request.reviewer, decided_at: decision.decided_at, path: c.path, before: c.before, after: c.after }));
    const status = request.action === 'approve' ? 'approved' : request.action === 'modify' ? (changes.length ? 'modified' : 'approved') : 'rejected';
    const outcome = await this.opts.reviews.decide(
      {
        taskId: task.id,
        status,
        reviewer: request.reviewer,
        ...(request.lease_id ? { leaseId: request.lease_id } : {}),
        decision,
        ...(request.action === 'modify' ? { corrections: request.corrections } : {}),
        ...(request.action === 'reject' ? { rejectReason: request.reason } : {}),
        feedback,
      },
      decidedAt.getTime(),
    );
    if (outcome.outcome === 'held') throw leaseHeld(outcome.owner, outcome.until);
    if (outcome.outcome === 'not_pending') throw new ReviewError('review_not_pending', `review task ${taskId} is already ${outcome.status}`);
    if (outcome.outcome === 'missing') throw new ReviewError('review_not_found', `no review task ${taskId}`);
    await this.resume(task.id);
    return this.get(task.id);
  }

  /**
   * Applies a recorded decision to its job (idempotent): approve / modify store the corrected
   * outputs and G's decision and set the job running; reject fails it. Then wakes the export stage.
   */
  async resume(taskId: string): Promise<'resumed' | 'failed' | 'nothing'> {
    const task = await this.opts.reviews.get(taskId);
    if (!task || task.status === 'pending' || task.status === 'closed') return 'nothing';
    const job = await this.opts.store.get(task.job_id);
    if (!job || job.status !== 'awaiting_review') return 'nothing';
    let result: 'resumed' | 'failed' = 'resumed';
    if (task.status === 'rejected') {
      const expired = task.decision?.reviewer === EXPIRY_REVIEWER;
      const reason = (await this.opts.reviews.rejectReason(task.id)) ?? task.decision?.comment ?? 'rejected';
      await this.opts.store.fail(job.id, { stage: 'G', code: expired ? 'review_expired' : 'review_rejected', message: expired ? `human_review: ${reason}` : `human_review: rejected by ${task.decision?.reviewer ?? 'a reviewer'}: ${reason}` });
      result = 'failed';
    } else {
      const review = await this.opts.store.getOutput(job.id, 'G');
      if (!review) throw new Error(`job ${job.id} awaits review but has no human_review output`);
      const corrections = task.status === 'modified' ? await this.opts.reviews.corrections(task.id) : undefined;
      const corrected = corrections ? (await this.corrected(job.id, corrections)).outputs : {};
      const G = STAGE_OUTPUT_SCHEMAS.G.parse({ ...review, status: task.status === 'modified' ? 'modified' : 'approved', ...(task.decision ? { decision: task.decision } : {}) });
      if ((await this.opts.store.resumeAfterReview(job.id, { ...corrected, G })) === 'applied') {
        const timeout = typeof job.options.timeout_seconds === 'number' ? job.options.timeout_seconds : this.opts.settings.jobTimeoutSeconds;
        await this.opts.deadlines?.set(job.id, timeout);
        // The job ends within its deadline and its record then lives the TTL again: so do its images.
        await this.keepImages(job.id, this.opts.store.ttlSeconds + timeout);
        this.opts.logger.info({ job_id: job.id, decision: task.status }, 'job resumes after review');
        // With export skipped, nothing runs after G: the decision completes the job itself.
        if (job.stages.H.status === 'skipped') await this.opts.store.complete(job.id, G.job_confidence);
      }
    }
    await this.opts.wake?.(job.id);
    return result;
  }

  /** Escalates (or rejects) tasks left past their time, and closes tasks whose job ended. */
  async sweep(now = Date.now()): Promise<{ escalated: string[]; rejected: string[]; closed: string[] }> {
    const out = { escalated: [] as string[], rejected: [] as string[], closed: [] as string[] };
    for (const id of await this.opts.reviews.takeExpired(now)) {
      if (this.opts.settings.expiryAction === 'escalate') {
        if (await this.opts.reviews.escalate(id)) out.escalated.push(id);
        continue;
      }
      const reason = `nobody decided within ${this.opts.settings.expiryHours} h`;
      const decision: ReviewDecisionRecord = { action: 'reject', reviewer: EXPIRY_REVIEWER, decided_at: new Date(now).toISOString(), comment: reason, changes: [] };
      const outcome = await this.opts.reviews.decide({ taskId: id, status: 'rejected', reviewer: EXPIRY_REVIEWER, decision, rejectReason: reason, feedback: [], ignoreLease: true }, now);
      if (outcome.outcome === 'decided') {
        await this.resume(id);
        out.rejected.push(id);
      }
    }
    await this.opts.reviews.trimDecided(now);
    const { tasks } = await this.opts.reviews.list('pending', 0, 50, now);
    for (const task of tasks) if (await this.closeIfJobEnded(task)) out.closed.push(task.id);
    return out;
  }

  private async pendingTaskOfWaitingJob(taskId: string): Promise<ReviewTask> {
    const task = await this.get(taskId);
    if (task.status !== 'pending') throw new ReviewError('review_not_pending', `review task ${taskId} is already ${task.status}`);
    if (await this.closeIfJobEnded(task)) throw new ReviewError('review_job_not_waiting', `job ${task.job_id} no longer waits for review; the task was closed`);
    const job = await this.opts.store.get(task.job_id);
    if (job?.status !== 'awaiting_review') throw new ReviewError('review_job_not_waiting', `job ${task.job_id} is ${job?.status ?? 'gone'}, not awaiting review`);
    return task;
  }

  /** Extends (never shortens) the life of the job's original and normalised images. */
  private async keepImages(jobId: string, ttlSeconds: number): Promise<void> {
    if (!this.opts.images) return;
    const [job, ingestion] = await Promise.all([this.opts.store.get(jobId), this.opts.store.getOutput(jobId, 'A')]);
    for (const ref of new Set([job?.original_ref, ingestion?.image_ref])) if (ref) await this.opts.images.touch(ref, ttlSeconds);
  }

  /** Closes a pending task whose job ended without it (cancelled, timed out, expired). */
  private async closeIfJobEnded(task: ReviewTask): Promise<boolean> {
    const job = await this.opts.store.get(task.job_id);
    if (job && !isTerminal(job.status)) return false;
    const closedReason = job ? `job is ${job.status}` : 'job no longer exists';
    const outcome = await this.opts.reviews.decide({ taskId: task.id, status: 'closed', reviewer: 'system', decision: null, closedReason, feedback: [], ignoreLease: true });
    return outcome.outcome === 'decided';
  }

  private async corrected(jobId: string, corrections: NonNullable<Parameters<typeof applyReviewCorrections>[1]>) {
    const outputs = await this.opts.store.getOutputs(jobId, CORRECTION_INPUTS);
    const applied = await applyReviewCorrections(outputs, corrections);
    for (const stage of CORRECTED_STAGES) {
      const output = applied.outputs[stage];
      if (output) STAGE_OUTPUT_SCHEMAS[stage].parse(output);
    }
    return applied;
  }
}

/** A live lease the caller did not prove to be theirs (no lease id, or another one). */
function leaseHeld(owner: string, until: string): ReviewError {
  return new ReviewError('review_lease_held', `${owner} holds this task until ${until}; a decision or renewal needs that lease's id`, { owner, expires_at: until });
}
