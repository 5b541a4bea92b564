/**
 * Webhooks in a worker process: the delivery service listens to this process's job status
 * changes (completions, failures, reviews opened, deadline failures) and, unless
 * `WORKER_WEBHOOKS=false`, this process also consumes the `webhooks` queue with
 * `WEBHOOK_CONCURRENCY` deliveries at once. Every worker serves it by default: deliveries are
 * light I/O, and any one worker left running keeps them flowing. Every worker also runs the
 * webhook sweeper (one sweep per interval fleet-wide, under a Redis lock), which recovers events
 * and deliveries a crash or a failed enqueue left behind.
 */
import type { PipelineConfig } from '@mpp/config';
import { WebhookQueue, WebhookWorker } from '@mpp/queue';
import { BatchStore, type JobStore } from '@mpp/store';
import type { Logger, PipelineMetrics } from '@mpp/telemetry';
import { WebhookService, WebhookSweeper } from '@mpp/webhooks';
import type { Redis } from 'ioredis';

export interface WorkerWebhooks {
  service: WebhookService;
  sweeper: WebhookSweeper;
  consumer?: WebhookWorker;
  close(): Promise<void>;
}

export function startWebhooks(opts: { config: PipelineConfig; redis: Redis; store: JobStore; metrics: PipelineMetrics; logger: Logger }): WorkerWebhooks {
  const { config, redis, store, metrics, logger } = opts;
  const queue = new WebhookQueue(redis, config.redis.prefix, config.webhooks.maxAttempts);
  const service = new WebhookService({
    redis,
    prefix: config.redis.prefix,
    settings: { ...config.webhooks, ttlSeconds: config.resultTtlSeconds },
    jobs: store,
    batches: new BatchStore(redis, config.redis.prefix, config.resultTtlSeconds),
    queue,
    onOutcome: (event, outcome) => metrics.webhookDeliveries.inc({ event, outcome }),
    logger,
  });
  const unsubscribe = store.onStatus(service.onJobStatus);
  const sweeper = new WebhookSweeper(service);
  const stopSweeper = sweeper.start(logger);
  const consumer = config.webhooks.consume
    ? new WebhookWorker({
        connection: redis,
        redisPrefix: config.redis.prefix,
        concurrency: config.webhooks.concurrency,
        attempt: (info) => service.attempt(info),
        backoffMs: (retry) => service.backoff(retry),
        onError: (err) => logger.error({ err }, 'webhook worker error'),
      })
    : undefined;
  return {
    service,
    sweeper,
    consumer,
    close: async () => {
      stopSweeper();
      await consumer?.close();
      unsubscribe();
      await queue.close();
    },
  };
}
