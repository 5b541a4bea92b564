/**
 * The shape of a pipeline run, built in one place. A runs first (phase 1); when it succeeds the
 * rest is added as one BullMQ flow tree (phase 2):
 *
 *     H <- G <- F <- E <- D <- { B, C }
 *
 * A parent runs only after all its children completed. Every child carries
 * `failParentOnFailure`, so a stage that fails for good fails every stage above it at once: no
 * parent is ever left waiting for a child that will never complete. A skipped stage is left out
 * and its children attach to its parent; a stage whose input was skipped works with what it has.
 */
import type { FlowJob, JobsOptions } from 'bullmq';
import { STAGE_CATALOG, type StageId } from '@mpp/schemas';
import { stageJobId, stageQueueName } from './names';

export interface StageJobData {
  jobId: string;
  stage: StageId;
  /** A root of the run: after it succeeds the worker checks whether every stage is done. */
  final: boolean;
}

export interface FlowPlan {
  skip: readonly StageId[];
  priority?: number;
}

const CHAIN: readonly StageId[] = ['H', 'G', 'F', 'E', 'D'];
const FORK: readonly StageId[] = ['B', 'C'];

export function stageJobOptions(jobId: string, stage: StageId, priority?: number): JobsOptions {
  const spec = STAGE_CATALOG[stage];
  return {
    jobId: stageJobId(jobId, stage),
    attempts: spec.attempts,
    backoff: { type: 'exponential', delay: spec.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 3600, count: 5000 },
    removeOnFail: { age: 7 * 86_400 },
    ...(priority !== undefined ? { priority } : {}),
  };
}

function node(jobId: string, stage: StageId, final: boolean, plan: FlowPlan, children?: FlowJob[]): FlowJob {
  const data: StageJobData = { jobId, stage, final };
  return {
    name: STAGE_CATALOG[stage].name,
    queueName: stageQueueName(stage),
    data,
    opts: { ...stageJobOptions(jobId, stage, plan.priority), failParentOnFailure: true },
    ...(children && children.length > 0 ? { children } : {}),
  };
}

/** Roots of phase 2 (B..H) for a job; usually one tree, several when the chain D..H is skipped. */
export function buildPipelineFlow(jobId: string, plan: FlowPlan): FlowJob[] {
  const skip = new Set(plan.skip);
  const chain = CHAIN.filter((s) => !skip.has(s));
  const fork = FORK.filter((s) => !skip.has(s));
  if (chain.length === 0) {
    // Several roots: each may be the last to finish, so each checks whether the job is done.
    return fork.map((s) => node(jobId, s, true, plan));
  }
  // Build from the bottom up: the fork's leaves, then each chain stage as the parent of the last.
  let children: FlowJob[] = fork.map((s) => node(jobId, s, false, plan));
  for (let i = chain.length - 1; i >= 0; i--) {
    const stage = chain[i]!;
    children = [node(jobId, stage, i === 0, plan, children)];
  }
  return children;
}

/** Stage A's job (phase 1), or undefined when A is skipped. */
export function buildIngestionJob(jobId: string, plan: FlowPlan): { name: string; data: StageJobData; opts: JobsOptions } | undefined {
  if (plan.skip.includes('A')) return undefined;
  const restIsEmpty = buildPipelineFlow(jobId, plan).length === 0;
  return { name: STAGE_CATALOG.A.name, data: { jobId, stage: 'A', final: restIsEmpty }, opts: stageJobOptions(jobId, 'A', plan.priority) };
}
