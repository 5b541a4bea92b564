/**
 * Webhooks end to end on real Redis, BullMQ and loopback receivers: Standard Webhooks signatures
 * checked by the `standardwebhooks` library, retries with a stable webhook-id, dead letters and
 * redelivery, 410, Retry-After (checked on BullMQ's schedule, not the clock), no redirects, one
 * delivery per event, awaiting_review and cancelled events, a batch of 20 with one
 * batch.completed, and events that survive a crash between a status change and its delivery
 * (recovered by the sweeper, still exactly once). Attempts and backoff are made small through
 * the configuration.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { BatchStore, JobStore } from '@mpp/store';
import { WebhookService, type DeliveryRecord } from '@mpp/webhooks';
import { startReceiver, solidPng, type Receiver, type RecordedRequest } from '../support/lifecycle-fakes';
import { OpenApiResponseValidator } from '../support/openapi-validator';
import { REDIS_URL, startStack, submitFile, waitForJob, type Stack } from '../support/stack';
import { openApiDocument } from '../../apps/api/src/openapi/document';

jest.setTimeout(60_000);

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const MAX_ATTEMPTS = 3;
let stack: Stack;
let receiver: Receiver;
let connection: Redis;
let webhookQueue: Queue;
// Every answer of the routes under test is checked against the OpenAPI document.
const validator = new OpenApiResponseValidator(openApiDocument());
let call: typeof fetch;

beforeAll(async () => {
  stack = await startStack({
    env: { WEBHOOK_SECRET: SECRET, ALLOW_PRIVATE_URLS: 'true', WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WEBHOOK_BACKOFF_BASE_SECONDS: '0.05', WEBHOOK_TIMEOUT_SECONDS: '2', PUBLIC_BASE_URL: 'https://api.example.test' },
  });
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  webhookQueue = new Queue('webhooks', { connection, prefix: `${stack.config.redis.prefix}:bull` });
  call = validator.capturingFetch(stack.baseUrl);
});

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await receiver.close();
});

afterAll(async () => {
  await webhookQueue.close();
  connection.disconnect();
  await stack.close();
});

const store = () => stack.api.deps.store;

/** A job record made through the store (no stage runs); its status changes are what emit. */
async function newJob(webhook_url: string | undefined): Promise<string> {
  const id = randomUUID();
  await store().create({ id, options: {}, metadata: {}, original_ref: `sha256:${'0'.repeat(64)}`, skipped: [], ...(webhook_url ? { webhook_url } : {}) });
  return id;
}

function verify(req: RecordedRequest): { type: string; timestamp: string; data: { id: string; status: string; links: Record<string, string> } } {
  return new Webhook(SECRET).verify(req.body, {
    'webhook-id': String(req.headers['webhook-id']),
    'webhook-timestamp': String(req.headers['webhook-timestamp']),
    'webhook-signature': String(req.headers['webhook-signature']),
  }) as never;
}

async function deliveries(status: string): Promise<Array<DeliveryRecord & { payload: any }>> {
  const res = await call(`${stack.baseUrl}/v1/webhooks/deliveries?status=${status}&limit=500`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { deliveries: Array<DeliveryRecord & { payload: any }> }).deliveries;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deliveryFor = (subject: string, status: string) => until(`${status} delivery for ${subject}`, async () => (await deliveries(status)).find((d) => d.subject_id === subject));

describe('delivery', () => {
  it('retries after two 500s with the same webhook-id, then the signature verifies with standardwebhooks', async () => {
    receiver.script.push({ status: 500 }, { status: 500 });
    const id = await newJob(`${receiver.url}/hooks?x=1`);
    expect(await store().complete(id, 0.9)).toBe('applied');
    await receiver.waitFor(3);
    const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^msg_[0-9a-f]{32}$/);
    for (const req of receiver.requests) {
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/hooks?x=1');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    }
    const event = verify(receiver.requests[2]!);
    expect(event).toEqual({ type: 'job.completed', timestamp: expect.any(String), data: { id, status: 'completed', links: { self: `https://api.example.test/v1/jobs/${id}`, events: `https://api.example.test/v1/jobs/${id}/events`, result: `https://api.example.test/v1/jobs/${id}/result` } } });
    // A body altered in transit, or another secret, does not verify.
    expect(() => verify({ ...receiver.requests[2]!, body: receiver.requests[2]!.body.replace('completed', 'failed') })).toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(receiver.requests[2]!.body, receiver.requests[2]!.headers as Record<string, string>)).toThrow();
    const record = await deliveryFor(id, 'delivered');
    expect(record).toMatchObject({ type: 'job.completed', attempts: 3, last_status_code: 204, last_error: null, status: 'delivered' });
  });

  it('dead-letters after the last attempt, keeps attempts and last error, and redelivers with the same id', async () => {
    receiver.fallback = { status: 500, body: 'down' };
    const id = await newJob(receiver.url);
    await store().fail(id, { stage: 'B', code: 'boom', message: 'failed for the test' });
    const dead = await deliveryFor(id, 'failed');
    expect(dead).toMatchObject({ type: 'job.failed', status: 'failed', attempts: MAX_ATTEMPTS, last_status_code: 500, last_error: 'HTTP 500', next_attempt_at: null });
    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS);
    expect(verify(receiver.requests[0]!)).toMatchObject({ type: 'job.failed', data: { id, status: 'failed' } });

    receiver.fallback = { status: 204 };
    const res = await call(`${stack.baseUrl}/v1/webhooks/deliveries/${dead.id}/redeliver`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: dead.id, status: 'pending', redeliveries: 1 });
    await receiver.waitFor(MAX_ATTEMPTS + 1);
    const again = receiver.requests[MAX_ATTEMPTS]!;
    expect(again.headers['webhook-id']).toBe(dead.id);
    expect(verify(again)).toMatchObject({ type: 'job.failed', data: { id } });
    expect(await deliveryFor(id, 'delivered')).toMatchObject({ id: dead.id, attempts: MAX_ATTEMPTS + 1, status: 'delivered' });
    expect((await deliveries('failed')).some((d) => d.id === dead.id)).toBe(false);

    // Unknown ids are 404; a delivery still in flight cannot be redelivered twice at once.
    expect((await call(`${stack.baseUrl}/v1/webhooks/deliveries/msg_${'0'.repeat(32)}/redeliver`, { method: 'POST' })).status).toBe(404);
    expect((await call(`${stack.baseUrl}/v1/webhooks/deliveries?status=bogus`)).status).toBe(400);
  });

  it('stops at 410 Gone: one attempt, dead-lettered, no retry scheduled', async () => {
    receiver.fallback = { status: 410 };
    const id = await newJob(receiver.url);
    await store().complete(id, 0.5);
    const dead = await deliveryFor(id, 'failed');
    expect(dead).toMatchObject({ attempts: 1, last_status_code: 410 });
    expect(dead.last_error).toContain('410');
    const job = await until('the BullMQ job to fail', async () => {
      const j = await webhookQueue.getJob(dead.id);
      return j && (await j.getState()) === 'failed' ? j : undefined;
    });
    expect(job.attemptsMade).toBe(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('honours Retry-After: the next attempt is scheduled that far ahead in BullMQ', async () => {
    receiver.script.push({ status: 503, headers: { 'retry-after': '120' } });
    const id = await newJob(receiver.url);
    const before = Date.now();
    await store().complete(id, 0.5);
    await receiver.waitFor(1);
    const pending = await until('the delivery to record its retry', async () => (await deliveries('pending')).find((d) => d.subject_id === id && d.attempts === 1));
    const job = await until('the retry in the delayed set', async () => {
      const j = await webhookQueue.getJob(pending.id);
      return j && (await j.getState()) === 'delayed' ? j : undefined;
    });
    expect(Number(job.delay)).toBe(120_000);
    const score = Number(await connection.zscore(`${stack.config.redis.prefix}:bull:webhooks:delayed`, pending.id));
    // BullMQ stores (timestamp * 4096 + counter) as the delayed score.
    const runAt = Math.floor(score / 0x1000);
    expect(runAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(runAt).toBeLessThan(before + 120_000 + 30_000);
    expect(Date.parse(pending.next_attempt_at!)).toBeGreaterThanOrEqual(before + 120_000);
    await job.remove();
  });

  it('never follows a redirect', async () => {
    receiver.fallback = { status: 302, headers: { location: '/elsewhere' } };
    const id = await newJob(`${receiver.url}/start`);
    await store().complete(id, 0.5);
    const dead = await deliveryFor(id, 'failed');
    expect(dead).toMatchObject({ attempts: MAX_ATTEMPTS, last_status_code: 302 });
    expect(dead.last_error).toContain('redirect not followed');
    expect(receiver.requests.map((r) => r.url)).toEqual(Array(MAX_ATTEMPTS).fill('/start'));
  });

  it('emits once per event even when the change is reported twice or by two processes', async () => {
    const id = await newJob(receiver.url);
    const worker = stack.workers[0]!;
    // Two processes' stores (the API's, and one wired like the worker's) complete the same job at once.
    const other = new JobStore(connection, store().keys, stack.config.resultTtlSeconds);
    other.onStatus(worker.webhooks.service.onJobStatus);
    const outcomes = await Promise.all([store().complete(id, 0.8), other.complete(id, 0.8)]);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    // A retried stage H (or a sweeper) reporting the same end again sends nothing more.
    await worker.webhooks.service.onJobStatus(id, 'completed');
    await stack.api.deps.store.fail(id, { stage: 'H', code: 'late', message: 'too late' });
    await deliveryFor(id, 'delivered');
    await receiver.waitFor(1);
    expect((await deliveries('delivered')).filter((d) => d.subject_id === id)).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('events from the real lifecycle', () => {
  const IMAGE = solidPng(7, 96);

  it('sends job.cancelled when DELETE /v1/jobs/:id cancels a job, and never job.completed', async () => {
    const id = await newJob(receiver.url);
    const res = await call(`${stack.baseUrl}/v1/jobs/${id}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    await receiver.waitFor(1);
    expect(verify(receiver.requests[0]!)).toMatchObject({ type: 'job.cancelled', data: { id, status: 'cancelled' } });
    expect(await store().complete(id, 1)).toBe('refused');
    expect((await deliveries('delivered')).filter((d) => d.subject_id === id).map((d) => d.type)).toEqual(['job.cancelled']);
  });

  it('sends job.awaiting_review when stage G asks for a person', async () => {
    const res = await submitFile(stack.baseUrl, IMAGE, { options: JSON.stringify({ review_threshold: 1 }), webhook_url: `${receiver.url}/review` });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const view = await waitForJob(stack.baseUrl, id, 45_000);
    expect(view.status).toBe('awaiting_review');
    await receiver.waitFor(1);
    expect(verify(receiver.requests[0]!)).toMatchObject({ type: 'job.awaiting_review', data: { id, status: 'awaiting_review', links: { self: `https://api.example.test/v1/jobs/${id}` } } });
  });

  it('refuses a private webhook_url at submission when ALLOW_PRIVATE_URLS is off', async () => {
    const strict = await startStack({ worker: false, env: { WEBHOOK_SECRET: SECRET } });
    try {
      // The shared guard's ranges: the hand-kept list had no NAT64, benchmarking or documentation ranges.
      for (const url of ['http://127.0.0.1:9/hook', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://10.0.0.1/x', 'http://[64:ff9b::a9fe:a9fe]/x', 'http://198.18.0.1/x', 'http://192.0.2.1/x', 'http://[::ffff:10.0.0.1]/x']) {
        const res = await submitFile(strict.baseUrl, IMAGE, { webhook_url: url });
        expect({ url, status: res.status }).toEqual({ url, status: 422 });
        expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('webhook_url');
      }
      const res = await submitFile(strict.baseUrl, IMAGE, { webhook_url: 'ftp://example.com/x' });
      expect(res.status).toBe(400);
    } finally {
      await strict.close();
    }
  });
});

describe('batches', () => {
  it('runs a batch of 20 (JSON, base64) to the end with counts and exactly one batch.completed', async () => {
    const items = Array.from({ length: 20 }, (_, n) => ({ image_base64: solidPng(100 + n, 64).toString('base64'), metadata: { n } }));
    const res = await call(`${stack.baseUrl}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items, options: { skip_stages: ['B', 'C', 'D', 'E', 'F', 'G'] }, metadata: { batch: 'b20' }, webhook_url: `${receiver.url}/batch` }),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; total: number; items: Array<{ index: number; job_id: string }> };
    expect(res.headers.get('location')).toBe(`/v1/batches/${accepted.id}`);
    expect(accepted.total).toBe(20);
    expect(new Set(accepted.items.map((i) => i.job_id)).size).toBe(20);

    // 20 job.completed and one batch.completed.
    await receiver.waitFor(21, 50_000);
    const events = receiver.requests.map(verify);
    const batchEvents = events.filter((e) => e.type === 'batch.completed');
    expect(batchEvents).toEqual([{ type: 'batch.completed', timestamp: expect.any(String), data: { id: accepted.id, status: 'completed', links: { self: `https://api.example.test/v1/batches/${accepted.id}` } } }]);
    expect(events.filter((e) => e.type === 'job.completed').map((e) => e.data.id).sort()).toEqual(accepted.items.map((i) => i.job_id).sort());
    // batch.completed comes after its last item's end.
    const view = (await (await call(`${stack.baseUrl}/v1/batches/${accepted.id}`)).json()) as Record<string, any>;
    expect(view).toMatchObject({ id: accepted.id, status: 'completed', total: 20, counts: { completed: 20, failed: 0, queued: 0, running: 0 } });
    expect(view.completed_at).toEqual(expect.any(String));
    expect(view.items.map((i: { job_id: string; status: string }) => [i.job_id, i.status])).toEqual(accepted.items.map((i) => [i.job_id, 'completed']));
    const job = (await (await call(`${stack.baseUrl}/v1/jobs/${accepted.items[3]!.job_id}`)).json()) as Record<string, any>;
    expect(job.metadata).toEqual({ batch: 'b20', n: 3 });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.filter((r) => verify(r).type === 'batch.completed')).toHaveLength(1);
  });

  it('accepts multipart with many image files, and refuses a batch with one bad item, naming it', async () => {
    const form = new FormData();
    for (const n of [1, 2, 3]) form.append('image', new Blob([new Uint8Array(solidPng(200 + n, 64))]), `p${n}.png`);
    form.append('options', JSON.stringify({ skip_stages: ['B', 'C', 'D', 'E', 'F', 'G'] }));
    const res = await call(`${stack.baseUrl}/v1/batches`, { method: 'POST', body: form });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const view = await until('the multipart batch to complete', async () => {
      const v = (await (await call(`${stack.baseUrl}/v1/batches/${id}`)).json()) as Record<string, any>;
      return v.status === 'completed' ? v : undefined;
    });
    expect(view.counts.completed).toBe(3);

    const bad = await call(`${stack.baseUrl}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ image_base64: solidPng(1, 64).toString('base64') }, { image_base64: Buffer.from('not an image').toString('base64') }] }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toMatch(/^items\[1\]\./);
    expect((await call(`${stack.baseUrl}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [] }) })).status).toBe(400);
    expect((await call(`${stack.baseUrl}/v1/batches/${randomUUID()}`)).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('describes every answer the routes above gave', () => {
    const seen = new Set(validator.captured.map((c) => c.operation));
    for (const op of ['POST /v1/batches', 'GET /v1/batches/{id}', 'GET /v1/webhooks/deliveries', 'POST /v1/webhooks/deliveries/{id}/redeliver']) expect(seen).toContain(op);
    expect(validator.problems()).toEqual([]);
  });
});

describe('metrics', () => {
  it('counts deliveries by event and outcome on the worker that attempted them', async () => {
    const text = await stack.workers[0]!.metrics.registry.metrics();
    const value = (labels: string) => Number(new RegExp(`^mathpix_webhook_deliveries_total\\{${labels}\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    // Exactly what the tests above caused (they run in order, against this one worker).
    expect(value('event="job.completed",outcome="delivered"')).toBe(1 + 1 + 20); // retried one, the de-duplicated one, the batch items
    expect(value('event="job.completed",outcome="retry"')).toBe(2 + 1 + (MAX_ATTEMPTS - 1)); // two 500s, one 503 (Retry-After), the redirects
    expect(value('event="job.completed",outcome="dead_lettered"')).toBe(2); // 410, redirects
    expect(value('event="job.failed",outcome="retry"')).toBe(MAX_ATTEMPTS - 1);
    expect(value('event="job.failed",outcome="dead_lettered"')).toBe(1);
    expect(value('event="job.failed",outcome="delivered"')).toBe(1); // the redelivery
    expect(value('event="job.cancelled",outcome="delivered"')).toBe(1);
    expect(value('event="job.awaiting_review",outcome="delivered"')).toBe(1);
    expect(value('event="batch.completed",outcome="delivered"')).toBe(1);
  });
});

describe('durability: an event survives a crash between the status change and its delivery', () => {
  const worker = () => stack.workers[0]!;
  // Past every grace period of the sweeper, without waiting for the clock.
  const later = () => Date.now() + 10 * 60_000;
  // A store like a process that dies right after committing a status: no listener ever runs.
  const crashedStore = () => new JobStore(connection, store().keys, stack.config.resultTtlSeconds);
  let release: () => Promise<unknown>;

  beforeAll(async () => {
    // Hold the fleet-wide sweep lock, so the worker's own timer stays out and each sweep below is the test's.
    const lock = worker().webhooks.service.deliveries.keys.sweepLock();
    await connection.set(lock, 'test', 'PX', 10 * 60_000);
    release = () => connection.del(lock);
  });
  afterAll(async () => release());

  /** A job made as POST /v1/jobs makes it: watched first, then recorded. */
  async function watchedJob(webhook_url: string): Promise<string> {
    const id = randomUUID();
    await stack.api.deps.webhookWatch.watchJob(id, webhook_url);
    await store().create({ id, options: {}, metadata: {}, original_ref: `sha256:${'0'.repeat(64)}`, skipped: [], webhook_url });
    return id;
  }

  const allDeliveries = async (subject: string) => (await Promise.all(['pending', 'delivered', 'failed'].map(deliveries))).flat().filter((d) => d.subject_id === subject);

  it('emission claimed and recorded, enqueue failing: the sweeper queues it and it arrives once, with its webhook-id', async () => {
    const id = await watchedJob(`${receiver.url}/lost-enqueue`);
    expect(await crashedStore().complete(id, 0.9)).toBe('applied');
    // The emitting process writes the claim and the delivery, then loses its queue connection.
    const failingQueue = { add: async () => Promise.reject(new Error('connection lost')), state: async () => 'missing' as const, remove: async () => undefined };
    const dying = new WebhookService({ ...worker().webhooks.service.opts, queue: failingQueue, logger: undefined });
    await dying.onJobStatus(id, 'completed');
    const [pending] = await allDeliveries(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 0, type: 'job.completed' });
    expect(await webhookQueue.getJob(pending!.id)).toBeUndefined();
    // The claim holds that delivery: emitting again (a retried listener) makes no second one.
    await worker().webhooks.service.onJobStatus(id, 'completed');
    expect((await allDeliveries(id)).map((d) => d.id)).toEqual([pending!.id]);

    // (Other deliveries this file left without a queue job, such as the Retry-After one removed above, may come along.)
    expect((await worker().webhooks.sweeper.sweep(later())).requeued).toContain(pending!.id);
    await receiver.waitFor(1);
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(pending!.id);
    expect(verify(receiver.requests[0]!)).toMatchObject({ type: 'job.completed', data: { id, status: 'completed' } });
    await deliveryFor(id, 'delivered');
    // Delivered: the next sweep has nothing to add, and there is still one delivery of the event.
    expect((await worker().webhooks.sweeper.sweep(later())).requeued).not.toContain(pending!.id);
    expect((await allDeliveries(id)).map((d) => [d.id, d.status])).toEqual([[pending!.id, 'delivered']]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('status committed, listener never run: the sweeper replays the end and the webhook arrives once', async () => {
    const id = await watchedJob(`${receiver.url}/lost-listener`);
    expect(await crashedStore().fail(id, { stage: 'C', code: 'boom', message: 'failed as the process died' })).toBe('applied');
    expect(await allDeliveries(id)).toEqual([]);
    // Looked at too soon (the listener may still be at work), the job is left for later.
    expect((await worker().webhooks.sweeper.sweep(Date.now())).replayed).not.toContain(id);

    expect((await worker().webhooks.sweeper.sweep(later())).replayed).toEqual([id]);
    await receiver.waitFor(1);
    // Read once it is recorded as delivered: listed while it moves from pending to delivered, it could be in neither list.
    const delivered = await deliveryFor(id, 'delivered');
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(delivered.id);
    expect(verify(receiver.requests[0]!)).toMatchObject({ type: 'job.failed', data: { id, status: 'failed' } });
    // Replayed once: the job is no longer watched, and a late listener finds the event claimed.
    expect((await worker().webhooks.sweeper.sweep(later())).replayed).toEqual([]);
    await worker().webhooks.service.onJobStatus(id, 'failed');
    expect((await allDeliveries(id)).map((d) => d.id)).toEqual([delivered.id]);
    expect(receiver.requests).toHaveLength(1);
  });

  it("a batch's last item marked done by a process that died before emitting: job and batch events arrive once each", async () => {
    const batches = new BatchStore(connection, stack.config.redis.prefix, stack.config.resultTtlSeconds);
    const url = `${receiver.url}/lost-batch`;
    const [first, last] = [await watchedJob(url), await watchedJob(url)];
    const batch = await batches.create({ id: randomUUID(), job_ids: [first, last], webhook_url: url });
    await store().complete(first, 0.9); // an ordinary end, emitted by its listener
    await receiver.waitFor(1);
    // The last item ends; its listener marks it done in the batch, then the process dies.
    await crashedStore().complete(last, 0.9);
    expect(await batches.itemFinished(last)).toMatchObject({ id: batch.id });

    expect((await worker().webhooks.sweeper.sweep(later())).replayed).toEqual([last]);
    await receiver.waitFor(3);
    const events = receiver.requests.map(verify).map((e) => [e.type, e.data.id]);
    expect(events.sort()).toEqual([['batch.completed', batch.id], ['job.completed', first], ['job.completed', last]].sort());
    expect((await worker().webhooks.sweeper.sweep(later())).replayed).toEqual([]);
    for (const subject of [first, last, batch.id]) expect(await allDeliveries(subject)).toHaveLength(1);
    expect((await batches.get(batch.id))?.completed_at).toEqual(expect.any(String));
  });
});
