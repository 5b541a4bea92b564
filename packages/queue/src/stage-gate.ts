/**
 * A hook the worker host calls around stage runs, so a stage can wait for something outside the
 * queue (a person's review decision) without holding a worker slot: `beforeStage` answering
 * `wait` parks the BullMQ job in the delayed set until `untilMs` (or until someone wakes it with
 * `PipelineQueues.wakeStage`), then asks again.
 */
import type { StageId } from '@mpp/schemas';

export type GateVerdict = { action: 'run' } | { action: 'wait'; untilMs: number };

export interface StageGate {
  /** Before a stage's attempt is recorded; `wait` parks the job. */
  beforeStage(jobId: string, stage: StageId): Promise<GateVerdict>;
  /** After a stage's output is stored (before the next stage is released). */
  afterStage(jobId: string, stage: StageId, output: object): Promise<void>;
  /** Asked once more right after parking: true when the reason to wait is already gone. */
  stillWaiting(jobId: string, stage: StageId): Promise<boolean>;
}
