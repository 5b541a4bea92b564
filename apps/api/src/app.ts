/**
 * Builds the API process: Redis connections, store, queues, metrics, the Express app with its
 * routes and problem handling. `main.ts` listens; tests call `createApiApp` and listen on port 0.
 */
import http from 'node:http';
import express, { type Express } from 'express';
import type { PipelineConfig } from '@mpp/config';
import { PipelineQueues, createRedis, reportRedisErrors } from '@mpp/queue';
import { RESULT_SCHEMA_VERSION } from '@mpp/schemas';
import { BlobStore, JobDeadlines, JobEvents, JobStore, storeKeys } from '@mpp/store';
import { createLogger, createMetrics, httpTracing, type Logger } from '@mpp/telemetry';
import type { ApiDeps } from './deps';
import { HttpProblem, problemHandler } from './http/problem';
import { requireApiKey } from './http/access';
import { AuthThrottle } from './http/auth-throttle';
import { rateLimit } from './http/rate-limit';
import { answerProtocolErrors, requireHost } from './http/protocol-errors';
import { jobsRouter } from './routes/jobs';
import { opsRouter } from './routes/ops';
import { adminCacheRouter } from './routes/admin-cache';
import { adminBreakersRouter } from './routes/admin-breakers';
import { StageCache } from '@mpp/cache';
import { reviewStoreFor } from '@mpp/review';
import { mountHumanReview } from './human-review';
import { requireRedis } from './http/require-redis';
import { mountWebhooks } from './webhooks';
import { EmissionWatch } from '@mpp/webhooks';
import { openApiRouter } from './openapi/router';
import { mathpixV3Router } from './routes/mathpix-v3';

export interface ApiApp {
  app: Express;
  deps: ApiDeps;
  listen(port?: number, host?: string): Promise<http.Server>;
  close(): Promise<void>;
}

/** How long closing waits for Redis (pending writes, QUIT) before dropping the connections. */
const CLOSE_REDIS_TIMEOUT_MS = 5_000;

export function createApiApp(options: { config: PipelineConfig; logger?: Logger }): ApiApp {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.env.PIPELINE_LOG_LEVEL, name: 'mathpix-api' });
  const redis = createRedis(config.redis.url);
  const subscriber = createRedis(config.redis.url);
  reportRedisErrors(redis, logger, 'api');
  reportRedisErrors(subscriber, logger, 'api-events');
  const keys = storeKeys(config.redis.prefix);
  const store = new JobStore(redis, keys, config.resultTtlSeconds);
  const queues = new PipelineQueues(redis, config.redis.prefix);
  const reviewTasks = reviewStoreFor(config, redis);
  // Fleet-wide values read from Redis at scrape time: every replica reports the same numbers
  // (queries take max), and workers do not report them at all (no double counting in a sum).
  const metrics = createMetrics({
    schemaVersion: RESULT_SCHEMA_VERSION,
    collectQueueSizes: () => queues.depths(),
    collectImagesProcessed: () => store.processedTotals(),
    collectReviewBacklog: () => reviewTasks.backlog(),
    redisReady: () => redis.status === 'ready',
  });
  const authThrottle = new AuthThrottle({ redis, prefix: config.redis.prefix, failures: config.env.RATE_LIMIT_AUTH_FAILURES, windowSeconds: config.env.RATE_LIMIT_WINDOW_SECONDS, logger });
  const deps: ApiDeps = { config, redis, store, deadlines: new JobDeadlines(redis, keys, store), blobs: new BlobStore(redis, keys, config.image.ttlSeconds), events: new JobEvents(subscriber, keys), queues, logger, metrics, authThrottle, webhookWatch: new EmissionWatch(redis, config.redis.prefix, config.webhooks) };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // A server span per request; the jobs it enqueues carry its trace through every stage.
  app.use(httpTracing<express.Request, express.Response>((req) => (req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined)));
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(requireHost);
  app.use(opsRouter(deps));
  app.use(['/v1', '/v3'], requireRedis(redis));
  // The API description (/openapi.json, /docs) and the Mathpix-compatible POST /v3/text.
  app.use(openApiRouter());
  app.use(mathpixV3Router(deps));
  // Every /v1 route: first the per-address limit on failed key checks (429, before the key is read, so
  // a key-guessing client is throttled), then an API key when API_KEYS is set (401), then the per-key
  // (or, without keys, per-address) rate limit (429).
  app.use('/v1', requireApiKey(config.env.API_KEYS, authThrottle), rateLimit({ redis, prefix: config.redis.prefix, points: config.env.RATE_LIMIT_REQUESTS, windowSeconds: config.env.RATE_LIMIT_WINDOW_SECONDS, apiKeys: config.env.API_KEYS, logger }));
  // base64 grows images by a third; leave room for it and for the other fields.
  app.use('/v1', express.json({ limit: Math.ceil(config.server.maxRequestBytes * 1.4) + 65_536, strict: true }));
  app.use('/v1/jobs', jobsRouter(deps));
  const cache = new StageCache({ redis, prefix: config.redis.prefix, ttlSeconds: config.env.PIPELINE_CACHE_TTL, memoryItems: 0, maxSizeBytes: config.env.PIPELINE_CACHE_MAX_SIZE_MB * 1024 * 1024 });
  app.use('/v1/admin/cache', adminCacheRouter(cache));
  app.use('/v1/admin/breakers', adminBreakersRouter(deps));
  // /v1/reviews, /v1/jobs/:id/image, the dashboard and review pages, bull-board at /admin/queues.
  mountHumanReview(app, deps);
  // /v1/webhooks/deliveries and /v1/batches; this process's status changes emit webhooks.
  const webhooks = mountWebhooks(app, deps);
  app.use((req, _res, next) => next(new HttpProblem(404, 'not-found', 'Not found', `no route for ${req.method} ${req.path}`)));
  app.use(problemHandler(logger));

  let server: http.Server | undefined;
  return {
    app,
    deps,
    listen: (port = config.server.port, host = config.server.host) =>
      new Promise((resolve, reject) => {
        // Request timeouts are enforced on each check of the connections (Node's default: every 30 s).
        const connectionsCheckingInterval = Math.min(30_000, Math.max(1_000, config.server.requestTimeoutMs / 4));
        server = http.createServer({ requireHostHeader: false, connectionsCheckingInterval }, app);
        server.requestTimeout = config.server.requestTimeoutMs;
        server.headersTimeout = Math.min(60_000, config.server.requestTimeoutMs);
        // Counted under route "unparsed": the request never reached a route (nor, often, a method).
        answerProtocolErrors(server, config.server.requestTimeoutMs, (status, method) => metrics.httpRequests.inc({ method: method ?? 'unknown', route: 'unparsed', status: String(status) }));
        server.once('error', reject);
        server.listen(port, host, () => resolve(server!));
      }),
    close: async () => {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
          setTimeout(() => s.closeAllConnections(), 5_000).unref();
        });
      }
      // With Redis unreachable these would wait for it for ever (commands queue until it is back):
      // a bounded wait, then the connections are dropped.
      const cleanup = (async () => {
        await webhooks.close();
        await queues.close();
        await cache.close();
        await Promise.all([redis.quit().catch(() => undefined), subscriber.quit().catch(() => undefined)]);
      })().catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([cleanup, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_REDIS_TIMEOUT_MS)))]);
      clearTimeout(timer);
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
