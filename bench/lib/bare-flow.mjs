/**
 * The bare BullMQ flow used as the baseline: the same shape and job options as
 * `packages/queue/src/flow.ts` (ids derived from the job id, attempts, backoff, removal), built
 * without any of the pipeline's code so the comparison measures what the pipeline adds.
 */
export const BARE_STAGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

export const bareQueueName = (stage) => `bare-${stage.toLowerCase()}`;

const opts = (jobId, stage) => ({
  jobId: `${jobId}-${stage}`,
  attempts: 3,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 7 * 86_400 },
});

const node = (jobId, stage, children) => ({
  name: stage,
  queueName: bareQueueName(stage),
  data: { jobId, stage },
  opts: { ...opts(jobId, stage), failParentOnFailure: true },
  ...(children ? { children } : {}),
});

/** Phase 1: stage A alone. */
export function bareIngestion(jobId) {
  return { name: 'A', data: { jobId, stage: 'A' }, opts: opts(jobId, 'A') };
}

/** Phase 2: H <- G <- F <- E <- D <- {B, C}. */
export function barePhaseTwo(jobId) {
  let children = [node(jobId, 'B'), node(jobId, 'C')];
  for (const stage of ['D', 'E', 'F', 'G', 'H']) children = [node(jobId, stage, children)];
  return children[0];
}
