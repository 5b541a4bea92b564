/**
 * A hook the worker host calls around stage runs, so a stage can wait for something outside the
 * queue (a person's review decision) without holding a worker slot: `beforeStage` answering
 * `wait` parks the BullMQ job in the delayed set until `untilMs` (or until someone wakes it with
 * `PipelineQueues.wakeStage`), then asks again. It is asked when a gated stage's start is
 * refused: the store refuses to start a stage of a job that waits for a person.
 */
import type { StageId } from '@mpp/schemas';

export type GateVerdict = { action: 'run' } | { action: 'wait'; untilMs: number };

export interface StageGate {
  /**
   * Whether a stage can be held by the gate. The host asks `beforeStage` only for these, and
   * only after the job refused the attempt's start (a job waiting for a person refuses it), so
   * the usual attempt costs the gate nothing.
   */
  gates(stage: StageId): boolean;
  /** After a gated stage's start was refused; `wait` parks the job. */
  beforeStage(jobId: string, stage: StageId): Promise<GateVerdict>;
  /** After a stage's output is stored (before the next stage is released). */
  afterStage(jobId: string, stage: StageId, output: object): Promise<void>;
  /** Asked once more right after parking: true when the reason to wait is already gone. */
  stillWaiting(jobId: string, stage: StageId): Promise<boolean>;
}
