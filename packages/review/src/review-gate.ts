/**
 * The worker host's gate (`StageGate` in @mpp/queue, matched structurally so this package needs
 * no bullmq): after stage G it opens a review task when G asks for a person; before stage H it
 * parks H while the job awaits review, until the decision wakes it or `recheckSeconds` pass
 * (the safety net for a lost wake-up), and applies a recorded decision if nobody did yet.
 */
import type { HumanReviewOutput, StageId } from '@mpp/schemas';
import type { JobStore } from '@mpp/store';
import type { ReviewService } from './review-service';

export type ReviewGateVerdict = { action: 'run' } | { action: 'wait'; untilMs: number };

export class ReviewGate {
  constructor(
    private readonly service: ReviewService,
    private readonly store: JobStore,
  ) {}

  async afterStage(jobId: string, stage: StageId, output: object): Promise<void> {
    if (stage !== 'G' || !(output as HumanReviewOutput).review_required) return;
    await this.service.open(jobId, output as HumanReviewOutput);
  }

  /** Only H waits for a decision. */
  gates(stage: StageId): boolean {
    return stage === 'H';
  }

  async beforeStage(jobId: string, stage: StageId, now = Date.now()): Promise<ReviewGateVerdict> {
    if (!this.gates(stage)) return { action: 'run' };
    // The host asks after H's start was refused: the job waits for a person, or it ended.
    if ((await this.store.getStatus(jobId)) !== 'awaiting_review') return { action: 'run' };
    const task = await this.service.reviews.get(jobId, now);
    if (!task) {
      const review = await this.store.getOutput(jobId, 'G');
      if (review) await this.service.open(jobId, review);
    } else if (task.status !== 'pending') {
      await this.service.resume(task.id);
      if ((await this.store.getStatus(jobId)) !== 'awaiting_review') return { action: 'run' };
    }
    const recheck = now + this.service.settings.recheckSeconds * 1000;
    const expires = task && !task.escalated ? Date.parse(task.expires_at) : Number.POSITIVE_INFINITY;
    return { action: 'wait', untilMs: expires > now ? Math.min(recheck, expires) : recheck };
  }

  async stillWaiting(jobId: string): Promise<boolean> {
    if ((await this.store.getStatus(jobId)) !== 'awaiting_review') return false;
    const task = await this.service.reviews.get(jobId);
    return !task || task.status === 'pending';
  }
}
