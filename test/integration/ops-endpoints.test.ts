/**
 * The operational endpoints the manifests point at, on both apps: /health, /ready, /metrics (valid
 * exposition, promtool-clean, queue sizes of the worker's own stage queues) and the worker's
 * loopback-only POST /drain used by the Kubernetes preStop hook.
 */
import type { AddressInfo } from 'node:net';
import { lintExposition, parseExposition, promtoolAvailable, promtoolProblems } from '../support/exposition';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(60_000);

describe('API and worker ops endpoints', () => {
  let stack: Stack;
  let workerUrl: string;

  beforeAll(async () => {
    stack = await startStack({ env: { WORKER_STAGES: 'B,C' }, worker: { healthServer: true } });
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
    expect((await fetch(`${workerUrl}/ready`)).status).toBe(503);
    expect((await fetch(`${workerUrl}/health`)).status).toBe(200);
  });
});
