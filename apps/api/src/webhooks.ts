/**
 * Wires webhooks and batches into the API app: the delivery service (this process emits the
 * events its own status changes cause: cancels, review decisions), `/v1/webhooks` and
 * `/v1/batches`. The worker app consumes the delivery queue (docs/webhooks.md).
 */
import type { Express } from 'express';
import { WebhookQueue } from '@mpp/queue';
import { BatchStore } from '@mpp/store';
import { WebhookService } from '@mpp/webhooks';
import type { ApiDeps } from './deps';
import { batchesRouter } from './routes/batches';
import { webhooksRouter } from './routes/webhooks';

export interface MountedWebhooks {
  service: WebhookService;
  batches: BatchStore;
  close(): Promise<void>;
}

export function mountWebhooks(app: Express, deps: ApiDeps): MountedWebhooks {
  const { config, redis, store, metrics, logger } = deps;
  const queue = new WebhookQueue(redis, config.redis.prefix, config.webhooks.maxAttempts);
  const batches = new BatchStore(redis, config.redis.prefix, config.resultTtlSeconds);
  const service = new WebhookService({
    redis,
    prefix: config.redis.prefix,
    settings: { ...config.webhooks, ttlSeconds: config.resultTtlSeconds },
    jobs: store,
    batches,
    queue,
    onOutcome: (event, outcome) => metrics.webhookDeliveries.inc({ event, outcome }),
    logger,
  });
  const unsubscribe = store.onStatus(service.onJobStatus);
  // API keys and the rate limit apply through app.ts's `/v1` middleware.
  app.use('/v1/webhooks', webhooksRouter(service));
  app.use('/v1/batches', batchesRouter(deps, batches));
  return {
    service,
    batches,
    close: async () => {
      unsubscribe();
      await queue.close();
    },
  };
}
