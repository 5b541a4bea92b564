/** Everything the API's routes share, built once per process by `createApiApp`. */
import type { PipelineConfig } from '@mpp/config';
import type { PipelineQueues } from '@mpp/queue';
import type { BlobStore, JobDeadlines, JobEvents, JobStore } from '@mpp/store';
import type { Logger, PipelineMetrics } from '@mpp/telemetry';
import type { Redis } from 'ioredis';

export interface ApiDeps {
  config: PipelineConfig;
  redis: Redis;
  store: JobStore;
  deadlines: JobDeadlines;
  blobs: BlobStore;
  events: JobEvents;
  queues: PipelineQueues;
  logger: Logger;
  metrics: PipelineMetrics;
}
