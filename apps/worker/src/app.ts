/**
 * Builds a worker process: Redis connections, store, queues, providers, the stage workers for
 * `WORKER_STAGES`, and the health/metrics server. `main.ts` starts it; tests start it in-process.
 */
import type http from 'node:http';
import type { PipelineConfig } from '@mpp/config';
import { PipelineQueues, StageWorkerHost, createRedis, reportRedisErrors } from '@mpp/queue';
import { RESULT_SCHEMA_VERSION } from '@mpp/schemas';
import { STAGE_HANDLERS, type StageHandlers, type StageProviders, type StageSettings } from '@mpp/stages';
import { breakerStoreFor, createProviders } from '@mpp/providers';
import { BlobStore, JobDeadlines, JobStore, storeKeys } from '@mpp/store';
import { createLogger, createMetrics, PIPELINE_VERSION, type Logger, type PipelineMetrics } from '@mpp/telemetry';
import { startHealthServer } from './health-server';
import { workerReadiness } from './readiness';
import { createStageRunner } from './stage-runner';
import { startWebhooks, type WorkerWebhooks } from './webhooks';
import { StageCache } from '@mpp/cache';
import { createReviewService, ReviewGate, startReviewSweeper } from '@mpp/review';

export interface WorkerAppOptions {
  config: PipelineConfig;
  logger?: Logger;
  /** Replaces stage functions (tests inject failures this way). */
  handlers?: Partial<StageHandlers>;
  providers?: StageProviders;
  /** `false` to run without the HTTP server (in-process tests). */
  healthServer?: boolean;
  /** BullMQ lock and stall check; short values let the reliability suite prove take-over quickly. */
  lock?: { durationMs?: number; stalledIntervalMs?: number };
}

export interface WorkerApp {
  host: StageWorkerHost;
  webhooks: WorkerWebhooks;
  /** This process's metrics (what its /metrics serves). */
  metrics: PipelineMetrics;
  server?: http.Server;
  close(): Promise<void>;
}

export function stageSettings(config: PipelineConfig): StageSettings {
  return {
    reviewThreshold: config.review.threshold,
    alignment: config.alignment,
    maxImageDimension: config.image.maxDimension,
    minImageDimension: config.image.minDimension,
    maxImageBytes: config.image.maxBytes,
    providerRateLimitMaxWaitMs: config.providerCalls.rateLimitMaxWaitMs,
  };
}

export async function createWorkerApp(options: WorkerAppOptions): Promise<WorkerApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.env.PIPELINE_LOG_LEVEL, name: 'mathpix-worker' });
  // Queue sizes of this worker's own stages, read from BullMQ at scrape time (autoscalers read them).
  const metrics = createMetrics({ schemaVersion: RESULT_SCHEMA_VERSION, collectQueueSizes: () => queues.depths(config.worker.stages), redisReady: () => redis.status === 'ready' });
  const redis = createRedis(config.redis.url);
  reportRedisErrors(redis, logger, 'worker');
  const keys = storeKeys(config.redis.prefix);
  const store = new JobStore(redis, keys, config.resultTtlSeconds);
  const blobs = new BlobStore(redis, keys, config.image.ttlSeconds);
  const queues = new PipelineQueues(redis, config.redis.prefix);
  // Before any stage runs: this process's status changes emit webhooks; it may also deliver them.
  const webhooks = startWebhooks({ config, redis, store, metrics, logger });
  // Chains B = mathpix, local and C = anthropic, gemini, local; providers without keys are skipped.
  const local = options.providers ? undefined : createProviders(config, { redis, metrics, logger });
  const providers = options.providers ?? local!.providers;
  const cache = new StageCache({ redis, prefix: config.redis.prefix, ttlSeconds: config.env.PIPELINE_CACHE_TTL, memoryItems: config.env.PIPELINE_MEMORY_CACHE_ITEMS, maxSizeBytes: config.env.PIPELINE_CACHE_MAX_SIZE_MB * 1024 * 1024 });
  // Human review: G opens tasks, H parks (no slot held) until a decision wakes it (docs/review.md).
  const review = createReviewService({ config, redis, store, deadlines: new JobDeadlines(redis, keys, store), wake: (id) => queues.wakeStage(id, 'H'), logger });
  const host = new StageWorkerHost({
    gate: new ReviewGate(review, store),
    connection: redis,
    queues,
    store,
    stages: config.worker.stages,
    concurrency: config.worker.concurrency,
    logger,
    metrics,
    lockDurationMs: options.lock?.durationMs,
    stalledIntervalMs: options.lock?.stalledIntervalMs,
    run: createStageRunner({ store, blobs, providers, settings: stageSettings(config), handlers: { ...STAGE_HANDLERS, ...options.handlers }, cache: { cache, pipelineVersion: PIPELINE_VERSION } }),
  });
  host.start();
  await host.ready(); // from here on a cancelled job's running stages are aborted in this process

  // Any worker may sweep overdue jobs; ZREM makes each job's timeout handled exactly once.
  const deadlines = new JobDeadlines(redis, keys, store);
  const sweeper = setInterval(() => {
    deadlines.sweep().then(
      (ids) => ids.length && logger.warn({ job_ids: ids }, 'jobs failed at their deadline'),
      (err: unknown) => logger.error({ err }, 'deadline sweep failed'),
    );
  }, 5_000);
  sweeper.unref();
  const stopReviewSweeper = startReviewSweeper(review, logger);

  let server: http.Server | undefined;
  if (options.healthServer !== false) {
    server = await startHealthServer(config.worker.metricsPort, config.server.host, {
      registry: metrics.registry,
      version: PIPELINE_VERSION,
      metricsEnabled: config.env.PROMETHEUS_ENABLED,
      // preStop: intake stops at once, active jobs get WORKER_SHUTDOWN_GRACE_SECONDS; SIGTERM then finds nothing to wait for.
      drain: () => host.close(config.worker.shutdownGraceMs),
      ready: workerReadiness({ config, redis, breakers: local?.breakers ?? breakerStoreFor(config, redis), running: () => host.running }),
    });
  }

  let closing: Promise<void> | undefined;
  return {
    host,
    webhooks,
    metrics,
    server,
    close: () => {
      closing ??= (async () => {
        logger.info('worker shutting down: no new jobs, draining active ones');
        clearInterval(sweeper);
        stopReviewSweeper();
        await host.close(config.worker.shutdownGraceMs);
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await webhooks.close();
        await queues.close();
        await local?.close();
        await cache.close();
        await redis.quit().catch(() => undefined);
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
