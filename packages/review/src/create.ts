/** Builds the review workflow for an app from its configuration and shared resources. */
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '@mpp/config';
import { BlobStore, storeKeys, type JobDeadlines, type JobStore } from '@mpp/store';
import type { Logger } from '@mpp/telemetry';
import { reviewKeys } from './keys';
import { ReviewService, type ReviewSettings } from './review-service';
import { ReviewStore } from './review-store';

export function reviewSettings(config: PipelineConfig): ReviewSettings {
  const { leaseSeconds, expiryHours, expiryAction, recheckSeconds } = config.review;
  return { leaseSeconds, expiryHours, expiryAction, recheckSeconds, jobTimeoutSeconds: config.jobTimeoutSeconds };
}

/** The review tasks of this deployment (under `REDIS_PREFIX`); the API's metrics read its backlog. */
export function reviewStoreFor(config: PipelineConfig, redis: Redis): ReviewStore {
  return new ReviewStore(redis, reviewKeys(config.redis.prefix), config.resultTtlSeconds);
}

export function createReviewService(deps: {
  config: PipelineConfig;
  redis: Redis;
  store: JobStore;
  deadlines?: JobDeadlines;
  wake?: (jobId: string) => Promise<unknown>;
  logger: Logger;
}): ReviewService {
  const reviews = reviewStoreFor(deps.config, deps.redis);
  const images = new BlobStore(deps.redis, storeKeys(deps.config.redis.prefix), deps.config.image.ttlSeconds);
  return new ReviewService({ store: deps.store, reviews, images, settings: reviewSettings(deps.config), logger: deps.logger, ...(deps.deadlines ? { deadlines: deps.deadlines } : {}), ...(deps.wake ? { wake: deps.wake } : {}) });
}

/** Escalates or rejects overdue tasks and closes orphaned ones every `intervalMs`; returns a stop function. */
export function startReviewSweeper(service: ReviewService, logger: Logger, intervalMs = 5_000): () => void {
  const timer = setInterval(() => {
    service.sweep().then(
      (r) => (r.escalated.length || r.rejected.length) && logger.warn(r, 'review tasks ran out of time'),
      (err: unknown) => logger.error({ err }, 'review sweep failed'),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
