/** Queue names per stage, derived from the stage catalog. */
import { STAGE_CATALOG, STAGE_IDS, type StageId } from '@mpp/schemas';

export function stageQueueName(stage: StageId): string {
  return `stage-${stage.toLowerCase()}-${STAGE_CATALOG[stage].name}`;
}

export const STAGE_QUEUE_NAMES: Readonly<Record<StageId, string>> = Object.fromEntries(STAGE_IDS.map((s) => [s, stageQueueName(s)])) as Record<StageId, string>;

/** BullMQ's own key prefix sits under the store's prefix so one `REDIS_PREFIX` isolates everything. */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

/** Job ids are derived from the pipeline job id so a re-added flow never duplicates a stage. */
export function stageJobId(jobId: string, stage: StageId): string {
  return `${jobId}-${stage}`;
}

/** Pub/sub channel on which a cancelled job's id is published, so the worker running it aborts. */
export function cancelChannel(redisPrefix: string): string {
  return `${redisPrefix}:cancel`;
}
