/** Everything the API's routes share, built once per process by `createApiApp`. */
import type { PipelineConfig } from '@mpp/config';
import type { PipelineQueues } from '@mpp/queue';
import type { BlobStore, JobDeadlines, JobEvents, JobStore } from '@mpp/store';
import type { Logger, PipelineMetrics } from '@mpp/telemetry';
import type { EmissionWatch } from '@mpp/webhooks';
import type { Redis } from 'ioredis';
import type { AuthThrottle } from './http/auth-throttle';

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
  /** The per-address limit on failed API-key checks, shared by every key check. */
  authThrottle: AuthThrottle;
  /** Notes each new job that may owe a webhook, before it can change, so a lost event is recovered. */
  webhookWatch: EmissionWatch;
}
