/**
 * The operational endpoints the manifests point at, on both apps: /health, /ready (the deployment
 * guide's checks, with the same states on both apps), /metrics (valid exposition, promtool-clean,
 * queue sizes of the worker's own stage queues, the review backlog and the fleet-wide job totals
 * on the API only) and the worker's loopback-only POST /drain used by the Kubernetes preStop hook.
 */
import type { AddressInfo } from 'node:net';
import { breakerStoreFor } from '@mpp/providers';
import { reviewStoreFor } from '@mpp/review';
import { lintExposition, parseExposition, promtoolAvailable, promtoolProblems } from '../support/exposition';
import { readFixture } from '../support/fixtures';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(60_000);

const sample = (body: string, family: string, labels: Record<string, string> = {}) =>
  parseExposition(body).get(family)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('API and worker ops endpoints', () => {
  let stack: Stack;
  let workerUrl: string;

  beforeAll(async () => {
    // Mathpix credentials make mathpix_api follow the breaker; no test here calls Mathpix.
    const env = { WORKER_STAGES: 'B,C', MATHPIX_APP_ID: 'ops-test', MATHPIX_APP_KEY: 'ops-test-key', MATHPIX_API_URL: 'http://127.0.0.1:9' };
    stack = await startStack({ env, worker: { healthServer: true } });
    workerUrl = `http://127.0.0.1:${(stack.workers[0]!.server!.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const text = async (url: string) => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('serves /health and /ready on both apps', async () => {
    for (const base of [stack.baseUrl, workerUrl]) {
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', version: expect.any(String) });
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
    }
  });

  it("answers /ready on the worker with the guide's checks, in the same states as the API's", async () => {
    const readyChecks = async (base: string) => ((await (await fetch(`${base}/ready`)).json()) as { checks: Record<string, string> }).checks;
    const worker = await readyChecks(workerUrl);
    expect(worker).toEqual({ mathpix_api: 'connected', cache: 'initialized', workers: 'running', redis: 'connected', stages: 'B,C' });
    // Five failures open the fleet-wide breaker (CB_FAILURE_THRESHOLD): both apps see it.
    const breakers = breakerStoreFor(stack.config, stack.api.deps.redis);
    for (let i = 0; i < stack.config.breaker.failureThreshold; i++) await breakers.record('mathpix', 'failure', false);
    for (const base of [stack.baseUrl, workerUrl]) expect((await readyChecks(base)).mathpix_api).toBe('circuit_open');
    await breakers.reset('mathpix');
    expect((await readyChecks(workerUrl)).mathpix_api).toBe('connected');
    const api = await readyChecks(stack.baseUrl);
    for (const key of ['mathpix_api', 'cache', 'redis']) expect(worker[key]).toBe(api[key]);
  });

  it('exposes the review backlog on the API from the review tasks in Redis', async () => {
    const before = await text(`${stack.baseUrl}/metrics`);
    expect(sample(before, 'mathpix_review_backlog_jobs')).toBe(0);
    const created = Date.now() - 90_000;
    const reasons = [{ stage: 'B' as const, code: 'low_confidence' as const, message: 'low', refs: [] }];
    await reviewStoreFor(stack.config, stack.api.deps.redis).create({ jobId: 'ops-review-task', review: { job_confidence: 0.4, threshold: 0.7, reasons }, imageSha256: null, expiresInMs: 3_600_000 }, created);
    const after = await text(`${stack.baseUrl}/metrics`);
    expect(sample(after, 'mathpix_review_backlog_jobs')).toBe(1);
    expect(sample(after, 'mathpix_review_backlog_oldest_seconds')).toBeGreaterThanOrEqual(90);
    expect(parseExposition(await text(`${workerUrl}/metrics`)).has('mathpix_review_backlog_jobs')).toBe(false);
  });

  it('exposes the API metrics: every stage queue, valid and lint-clean', async () => {
    const body = await text(`${stack.baseUrl}/metrics`);
    expect(lintExposition(body)).toEqual([]);
    const queues = new Set(parseExposition(body).get('mathpix_queue_size')!.samples.map((s) => s.labels.queue));
    expect(queues.size).toBe(8);
    if (promtoolAvailable()) expect(promtoolProblems(body)).toEqual([]);
  });

  it("exposes the worker metrics with the queue sizes of its own stages only", async () => {
    const body = await text(`${workerUrl}/metrics`);
    expect(lintExposition(body)).toEqual([]);
    const samples = parseExposition(body).get('mathpix_queue_size')!.samples;
    expect([...new Set(samples.map((s) => s.labels.queue))].sort()).toEqual(['stage-b-text_parse', 'stage-c-vision_parse']);
    expect(new Set(samples.map((s) => s.labels.state))).toEqual(new Set(['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'failed']));
    expect(parseExposition(body).get('mathpix_processing_seconds')?.type).toBe('histogram');
    if (promtoolAvailable()) expect(promtoolProblems(body)).toEqual([]);
  });

  it('drains the worker on POST /drain: intake stops, /ready turns 503, /health stays up', async () => {
    expect((await fetch(`${workerUrl}/drain`)).status).toBe(404);
    expect(stack.workers[0]!.host.running).toBe(true);
    const res = await fetch(`${workerUrl}/drain`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'drained' });
    expect(stack.workers[0]!.host.running).toBe(false);
    const ready = await fetch(`${workerUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { workers: 'stopped', redis: 'connected' } });
    expect((await fetch(`${workerUrl}/health`)).status).toBe(200);
  });
});

describe('mathpix_images_processed_total', () => {
  let stack: Stack;
  let workerUrl: string;

  class UnreadableImage extends Error {
    readonly code = 'injected_permanent';
    readonly retryable = false;
  }

  beforeAll(async () => {
    stack = await startStack({ worker: { healthServer: true, handlers: { B: async () => Promise.reject(new UnreadableImage('never readable')) } } });
    workerUrl = `http://127.0.0.1:${(stack.workers[0]!.server!.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('counts completed and failed jobs once, fleet-wide, on the API; workers do not export it', async () => {
    const image = readFixture('textbook', '13', 'img_problem.png');
    const ok = (await (await submitFile(stack.baseUrl, image, { options: JSON.stringify({ skip_stages: ['B', 'C', 'D', 'E', 'F', 'G', 'H'] }) })).json()) as { id: string };
    const bad = (await (await submitFile(stack.baseUrl, image, { options: JSON.stringify({ skip_stages: ['C', 'D', 'E', 'F', 'G', 'H'] }) })).json()) as { id: string };
    expect((await waitForJob(stack.baseUrl, ok.id)).status).toBe('completed');
    expect((await waitForJob(stack.baseUrl, bad.id)).status).toBe('failed');
    const api = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(sample(api, 'mathpix_images_processed_total', { status: 'success' })).toBe(1);
    expect(sample(api, 'mathpix_images_processed_total', { status: 'failure' })).toBe(1);
    const worker = await (await fetch(`${workerUrl}/metrics`)).text();
    expect(parseExposition(worker).has('mathpix_images_processed_total')).toBe(false);
    // The worker's own per-process view of the same work is its stage runs.
    expect(sample(worker, 'mathpix_stage_runs_total', { stage: 'text_parse', status: 'failed' })).toBe(1);
  });
});
