/**
 * Builds a worker process: Redis connections, store, queues, providers, the stage workers for
 * `WORKER_STAGES`, and the health/metrics server. `main.ts` starts it; tests start it in-process.
 */
import type http from 'node:http';
import type { PipelineConfig } from '@mpp/config';
import { PipelineQueues, StageWorkerHost, createRedis } from '@mpp/queue';
import { RESULT_SCHEMA_VERSION } from '@mpp/schemas';
import { STAGE_HANDLERS, type StageHandlers, type StageProviders, type StageSettings } from '@mpp/stages';
import { createLocalProviders } from '@mpp/providers';
import { BlobStore, JobDeadlines, JobStore, storeKeys } from '@mpp/store';
import { createLogger, createMetrics, PIPELINE_VERSION, type Logger } from '@mpp/telemetry';
import { startHealthServer } from './health-server';
import { createStageRunner } from './stage-runner';

export interface WorkerAppOptions {
  config: PipelineConfig;
  logger?: Logger;
  /** Replaces stage functions (tests inject failures this way). */
  handlers?: Partial<StageHandlers>;
  providers?: StageProviders;
  /** `false` to run without the HTTP server (in-process tests). */
  healthServer?: boolean;
}

export interface WorkerApp {
  host: StageWorkerHost;
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
  };
}

export async function createWorkerApp(options: WorkerAppOptions): Promise<WorkerApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.env.PIPELINE_LOG_LEVEL, name: 'mathpix-worker' });
  const metrics = createMetrics({ schemaVersion: RESULT_SCHEMA_VERSION });
  const redis = createRedis(config.redis.url);
  const keys = storeKeys(config.redis.prefix);
  const store = new JobStore(redis, keys, config.resultTtlSeconds);
  const blobs = new BlobStore(redis, keys, config.image.ttlSeconds);
  const queues = new PipelineQueues(redis, config.redis.prefix);
  const local = options.providers ? undefined : createLocalProviders();
  const providers = options.providers ?? local!.providers;
  const host = new StageWorkerHost({
    connection: redis,
    queues,
    store,
    stages: config.worker.stages,
    concurrency: config.worker.concurrency,
    logger,
    metrics,
    run: createStageRunner({ store, blobs, providers, settings: stageSettings(config), handlers: { ...STAGE_HANDLERS, ...options.handlers } }),
  });
  host.start();

  // Any worker may sweep overdue jobs; ZREM makes each job's timeout handled exactly once.
  const deadlines = new JobDeadlines(redis, keys, store);
  const sweeper = setInterval(() => {
    deadlines.sweep().then(
      (ids) => ids.length && logger.warn({ job_ids: ids }, 'jobs failed at their deadline'),
      (err: unknown) => logger.error({ err }, 'deadline sweep failed'),
    );
  }, 5_000);
  sweeper.unref();

  let server: http.Server | undefined;
  if (options.healthServer !== false) {
    server = await startHealthServer(config.worker.metricsPort, config.server.host, {
      registry: metrics.registry,
      version: PIPELINE_VERSION,
      metricsEnabled: config.env.PROMETHEUS_ENABLED,
      ready: async () => {
        const redisOk = await redis.ping().then(() => true, () => false);
        const checks = { redis: redisOk ? 'connected' : 'unreachable', workers: host.running ? 'running' : 'stopped', stages: config.worker.stages.join(',') };
        return { ok: redisOk && host.running, checks };
      },
    });
  }

  let closing: Promise<void> | undefined;
  return {
    host,
    server,
    close: () => {
      closing ??= (async () => {
        logger.info('worker shutting down: no new jobs, draining active ones');
        clearInterval(sweeper);
        await host.close(config.worker.shutdownGraceMs);
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await queues.close();
        await local?.close();
        await redis.quit().catch(() => undefined);
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
