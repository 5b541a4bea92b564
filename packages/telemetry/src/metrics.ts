/**
 * The metrics of the deployment guide, with their names, help texts and units, in a registry per
 * process. Apps fill them; callers that need values from Redis (queue sizes, fleet-wide totals)
 * register collectors that run at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Registry } from 'prom-client';

export const PIPELINE_VERSION = '2.0.0';

export interface PipelineMetrics {
  registry: Registry;
  /**
   * Jobs ended, `status` success | failure. Exported only by a registry given
   * `collectImagesProcessed` (the API): the job store counts each job once, fleet-wide, when it
   * ends, so a worker's own increments would count it again in a Prometheus `sum`. A worker's
   * counter is registered nowhere; its increments are dropped.
   */
  imagesProcessed: Counter<'status'>;
  apiCalls: Counter<'service' | 'status'>;
  processingSeconds: Histogram<'stage'>;
  apiLatency: Histogram<'service'>;
  /** Circuit breaker per external service: 0 closed, 1 half-open, 2 open (fleet-wide once a reader is set). */
  breakerState: Gauge<'service'>;
  /** Sets where the breaker gauge reads the fleet-wide states at scrape time (the providers' breaker store). */
  readBreakerStatesWith(reader: () => Promise<Array<{ service: string; value: number }>>): void;
  queueSize: Gauge<'queue' | 'state'>;
  activeWorkers: Gauge<string>;
  pipelineInfo: Gauge<'version' | 'schema_version'>;
  stageOutcomes: Counter<'stage' | 'status'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  /** Webhook delivery attempts by event and outcome (`delivered`, `retry`, `dead_lettered`). */
  webhookDeliveries: Counter<'event' | 'outcome'>;
}

export interface MetricsOptions {
  schemaVersion: string;
  /** Default process metrics (CPU, memory, event loop) prefixed `mathpix_process_`... */
  defaultMetrics?: boolean;
  /** Gauges whose values are read at scrape time. */
  collectQueueSizes?: () => Promise<Array<{ queue: string; state: string; count: number }>>;
  /** Fleet-wide jobs ended by status (the job store's totals); registers `mathpix_images_processed_total`. */
  collectImagesProcessed?: () => Promise<Record<string, number>>;
  /**
   * Jobs waiting for a person (stage G). When given, registers `mathpix_review_backlog_jobs` and
   * `mathpix_review_backlog_oldest_seconds` (dashboard panel and the review-age alert read them).
   */
  collectReviewBacklog?: () => Promise<{ jobs: number; oldestAgeSeconds: number }>;
  /**
   * Whether the process's Redis connection is up. When given, registers `mathpix_redis_up` (1 or
   * 0), and the collectors above (and the breaker reader) are skipped while it is down: their
   * commands would wait in the client's offline queue and hang the scrape until Redis is back.
   * A skipped or failed collector leaves its metric empty (labelled) or 0 for that scrape.
   */
  redisReady?: () => boolean;
}

/** Runs a scrape-time read unless Redis is known to be down; a failed read gives `undefined`. */
function readUnlessDown<T>(redisReady: (() => boolean) | undefined, read: () => Promise<T>): Promise<T | undefined> {
  if (redisReady && !redisReady()) return Promise.resolve(undefined);
  return read().catch(() => undefined);
}

const STAGE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createMetrics(options: MetricsOptions): PipelineMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) registerProcessMetrics(registry);
  const { redisReady } = options;
  if (redisReady) {
    new Gauge({
      name: 'mathpix_redis_up',
      help: 'Whether this process is connected to Redis (1) or not (0)',
      registers: [registry],
      collect() {
        this.set(redisReady() ? 1 : 0);
      },
    });
  }

  const collectProcessed = options.collectImagesProcessed;
  const imagesProcessed = new Counter({
    name: 'mathpix_images_processed_total',
    help: 'Total number of images processed',
    labelNames: ['status'] as const,
    registers: collectProcessed ? [registry] : [],
    // Fleet-wide totals live in Redis; a counter that is reset from the source of truth at
    // scrape time stays monotonic as long as Redis keeps its data.
    async collect() {
      if (!collectProcessed) return;
      const totals = await readUnlessDown(redisReady, collectProcessed);
      this.reset();
      for (const [status, value] of Object.entries(totals ?? {})) this.inc({ status }, value);
    },
  });
  const collectQueues = options.collectQueueSizes;
  const queueSize = new Gauge({
    name: 'mathpix_queue_size',
    help: 'Current number of items in the processing queue',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!collectQueues) return;
      const sizes = await readUnlessDown(redisReady, collectQueues);
      this.reset();
      for (const s of sizes ?? []) this.set({ queue: s.queue, state: s.state }, s.count);
    },
  });
  const pipelineInfo = new Gauge({
    name: 'mathpix_pipeline_info',
    help: 'Pipeline build and version information',
    labelNames: ['version', 'schema_version'] as const,
    registers: [registry],
  });
  pipelineInfo.set({ version: PIPELINE_VERSION, schema_version: options.schemaVersion }, 1);
  // Breaker states live in Redis (shared by the fleet); the providers hand over a reader once built.
  let breakerReader: (() => Promise<Array<{ service: string; value: number }>>) | undefined;
  const breakerState = new Gauge({
    name: 'mathpix_circuit_breaker_state',
    help: 'Circuit breaker state per external service (0 closed, 1 half-open, 2 open)',
    labelNames: ['service'] as const,
    registers: [registry],
    async collect() {
      if (!breakerReader) return;
      const states = await readUnlessDown(redisReady, breakerReader);
      if (!states) this.reset();
      for (const { service, value } of states ?? []) this.set({ service }, value);
    },
  });
  const collectBacklog = options.collectReviewBacklog;
  if (collectBacklog) registerReviewBacklog(registry, async () => (await readUnlessDown(redisReady, collectBacklog)) ?? { jobs: 0, oldestAgeSeconds: 0 });

  return {
    registry,
    imagesProcessed,
    queueSize,
    pipelineInfo,
    apiCalls: new Counter({ name: 'mathpix_api_calls_total', help: 'Total number of external API calls', labelNames: ['service', 'status'] as const, registers: [registry] }),
    processingSeconds: new Histogram({ name: 'mathpix_processing_seconds', help: 'Image processing time in seconds by stage', labelNames: ['stage'] as const, buckets: STAGE_BUCKETS, registers: [registry] }),
    apiLatency: new Histogram({ name: 'mathpix_api_latency_seconds', help: 'External API call latency in seconds', labelNames: ['service'] as const, buckets: STAGE_BUCKETS, registers: [registry] }),
    breakerState,
    readBreakerStatesWith: (reader) => {
      breakerReader = reader;
    },
    activeWorkers: new Gauge({ name: 'mathpix_active_workers', help: 'Number of currently active processing workers', registers: [registry] }),
    stageOutcomes: new Counter({ name: 'mathpix_stage_runs_total', help: 'Stage attempts by outcome', labelNames: ['stage', 'status'] as const, registers: [registry] }),
    httpRequests: new Counter({ name: 'mathpix_http_requests_total', help: 'HTTP requests served by the API', labelNames: ['method', 'route', 'status'] as const, registers: [registry] }),
    webhookDeliveries: new Counter({ name: 'mathpix_webhook_deliveries_total', help: 'Webhook delivery attempts by event and outcome', labelNames: ['event', 'outcome'] as const, registers: [registry] }),
    httpDuration: new Histogram({ name: 'mathpix_http_request_duration_seconds', help: 'HTTP request duration in seconds', labelNames: ['method', 'route'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
  };
}

function registerReviewBacklog(registry: Registry, collect: NonNullable<MetricsOptions['collectReviewBacklog']>): void {
  // One read per scrape feeds both gauges; the second collector reuses the first one's answer.
  let last: Promise<{ jobs: number; oldestAgeSeconds: number }> | undefined;
  new Gauge({
    name: 'mathpix_review_backlog_jobs',
    help: 'Jobs awaiting human review',
    registers: [registry],
    async collect() {
      last = collect();
      this.set((await last).jobs);
    },
  });
  new Gauge({
    name: 'mathpix_review_backlog_oldest_seconds',
    help: 'Age in seconds of the oldest job awaiting human review (0 when none)',
    registers: [registry],
    async collect() {
      this.set((await (last ?? collect())).oldestAgeSeconds);
      last = undefined;
    },
  });
}

/** prom-client's gauges that carry a counter's `_total` suffix (`promtool check metrics` rejects
 * them); each has a correctly named twin without the suffix (`mathpix_nodejs_active_handles`...). */
const MISNAMED_DEFAULT_GAUGES = ['active_handles_total', 'active_requests_total', 'active_resources_total'];

/** Node process metrics (CPU, memory, heap, event loop, GC), prefixed `mathpix_`. */
function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: 'mathpix_' });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(`mathpix_nodejs_${name}`);
}
