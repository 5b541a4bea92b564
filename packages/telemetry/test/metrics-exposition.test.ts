/**
 * The registry's exposition output is valid Prometheus text and passes promtool's lint: every
 * family has help and type, counters end in `_total`, gauges do not, units are base units.
 */
import { createMetrics } from '@mpp/telemetry';
import { lintExposition, parseExposition, promtoolAvailable, promtoolProblems } from '../../../test/support/exposition';

async function filledRegistryText(): Promise<string> {
  const metrics = createMetrics({
    schemaVersion: '2.0.0',
    collectQueueSizes: async () => [
      { queue: 'stage-b-text_parse', state: 'waiting', count: 3 },
      { queue: 'stage-b-text_parse', state: 'prioritized', count: 2 },
    ],
    collectImagesProcessed: async () => ({ success: 7, failure: 1 }),
    collectReviewBacklog: async () => ({ jobs: 4, oldestAgeSeconds: 120 }),
  });
  metrics.processingSeconds.observe({ stage: 'text_parse' }, 0.7);
  metrics.apiCalls.inc({ service: 'mathpix', status: 'success' });
  metrics.apiLatency.observe({ service: 'mathpix' }, 0.3);
  metrics.activeWorkers.inc();
  metrics.stageOutcomes.inc({ stage: 'text_parse', status: 'completed' });
  metrics.httpRequests.inc({ method: 'GET', route: '/health', status: '200' });
  metrics.httpDuration.observe({ method: 'GET', route: '/health' }, 0.002);
  return metrics.registry.metrics();
}

describe('metrics exposition', () => {
  it('exposes the deployment guide metrics with the values the collectors read', async () => {
    const families = parseExposition(await filledRegistryText());
    const sample = (family: string, labels: Record<string, string>) =>
      families.get(family)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(sample('mathpix_queue_size', { queue: 'stage-b-text_parse', state: 'prioritized' })).toBe(2);
    expect(sample('mathpix_images_processed_total', { status: 'success' })).toBe(7);
    expect(sample('mathpix_review_backlog_jobs', {})).toBe(4);
    expect(sample('mathpix_review_backlog_oldest_seconds', {})).toBe(120);
    expect(sample('mathpix_active_workers', {})).toBe(1);
    expect(sample('mathpix_pipeline_info', { version: '2.0.0', schema_version: '2.0.0' })).toBe(1);
    expect(families.get('mathpix_processing_seconds')?.type).toBe('histogram');
    expect(families.get('mathpix_nodejs_active_resources')?.type).toBe('gauge');
  });

  it('passes the exposition lint rules', async () => {
    expect(lintExposition(await filledRegistryText())).toEqual([]);
  });

  (promtoolAvailable() ? it : it.skip)('passes promtool check metrics', async () => {
    expect(promtoolProblems(await filledRegistryText())).toEqual([]);
  });

  it('flags what promtool flags: a gauge named like a counter, a counter without _total, no help', () => {
    const bad = [
      '# HELP x_active_total active things',
      '# TYPE x_active_total gauge',
      'x_active_total 1',
      '# TYPE x_requests counter',
      'x_requests 2',
    ].join('\n');
    expect(lintExposition(bad)).toEqual(['x_active_total: non-counter with _total suffix', 'x_requests: no help text', 'x_requests: counter without _total suffix']);
    if (promtoolAvailable()) expect(promtoolProblems(bad)?.length).toBeGreaterThan(0);
  });

  it('rejects malformed sample lines', () => {
    expect(() => parseExposition('# TYPE a gauge\na{b=unquoted} 1')).toThrow(/bad label/);
    expect(() => parseExposition('b 1')).toThrow(/before its TYPE/);
  });

  it('exports the processed totals only from a registry that reads the fleet-wide totals', async () => {
    // A worker's registry: its increments would count each job a second time in a Prometheus sum.
    const worker = createMetrics({ schemaVersion: '2.0.0', defaultMetrics: false });
    worker.imagesProcessed.inc({ status: 'success' });
    expect(parseExposition(await worker.registry.metrics()).has('mathpix_images_processed_total')).toBe(false);
    const api = createMetrics({ schemaVersion: '2.0.0', defaultMetrics: false, collectImagesProcessed: async () => ({ success: 2, failure: 1 }) });
    const samples = parseExposition(await api.registry.metrics()).get('mathpix_images_processed_total')!.samples;
    expect(samples.map((x) => [x.labels.status, x.value])).toEqual([['success', 2], ['failure', 1]]);
  });

  it('answers a scrape while Redis is down: mathpix_redis_up 0 and the Redis-backed values left out, never waiting for them', async () => {
    let up = false;
    const never = () => new Promise<never>(() => undefined);
    const metrics = createMetrics({ schemaVersion: '2.0.0', defaultMetrics: false, collectQueueSizes: never, collectImagesProcessed: never, collectReviewBacklog: never, redisReady: () => up });
    metrics.readBreakerStatesWith(never);
    const down = parseExposition(await metrics.registry.metrics());
    expect(down.get('mathpix_redis_up')!.samples.map((x) => x.value)).toEqual([0]);
    expect(down.get('mathpix_queue_size')!.samples).toEqual([]);
    expect(down.get('mathpix_images_processed_total')!.samples).toEqual([]);
    expect(down.get('mathpix_circuit_breaker_state')!.samples).toEqual([]);
    expect(down.get('mathpix_review_backlog_jobs')!.samples.map((x) => x.value)).toEqual([0]);
    // A collector that fails (a command error mid-scrape) leaves its metric empty instead of failing the scrape.
    up = true;
    const failing = createMetrics({ schemaVersion: '2.0.0', defaultMetrics: false, collectQueueSizes: () => Promise.reject(new Error('READONLY')), redisReady: () => up });
    const families = parseExposition(await failing.registry.metrics());
    expect(families.get('mathpix_redis_up')!.samples.map((x) => x.value)).toEqual([1]);
    expect(families.get('mathpix_queue_size')!.samples).toEqual([]);
  });
});
