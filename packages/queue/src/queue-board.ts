/**
 * bull-board adapters over the pipeline's stage queues, so the API can mount the queue view at
 * `/admin/queues` while bullmq stays inside this package. Read-only unless asked otherwise:
 * retrying or removing stage jobs by hand can break a job's flow.
 */
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { PipelineQueues } from './pipeline-queues';

export function createQueueBoardAdapters(queues: PipelineQueues, options: { readOnly: boolean }): BullMQAdapter[] {
  return queues.allQueues().map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly }));
}
