/**
 * The typed SDK (@mpp/client) against the real API and a worker, in-process, on the real Redis:
 * every method, the idempotency key it sends by default, the review round trip, and the typed
 * errors carrying the problem document. Every answer it reads is also checked against the
 * OpenAPI document.
 */
import { AuthenticationError, ConflictError, NotFoundError, PipelineClient, UnprocessableError, ValidationError, type JobView, type PipelineOptionsInput } from '@mpp/client';
import { ResultDocument } from '@mpp/schemas';
import { openApiDocument } from '../../apps/api/src/openapi/document';
import { readFixture } from '../support/fixtures';
import { OpenApiResponseValidator } from '../support/openapi-validator';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const IMAGE = readFixture('im2latex', '329a44c373.png');
const OTHER = readFixture('im2latex', '6331d9e7fd.png');
const QUICK: PipelineOptionsInput = { skip_stages: ['B', 'C', 'D', 'E', 'F', 'G'], export_formats: ['json', 'markdown'] };
const UNKNOWN_JOB = '00000000-0000-4000-8000-000000000000';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: Error) => err,
  );
}

describe('PipelineClient against the real API', () => {
  let stack: Stack;
  let client: PipelineClient;
  const validator = new OpenApiResponseValidator(openApiDocument());
  const sentKeys: Array<string | null> = [];

  beforeAll(async () => {
    stack = await startStack();
    const checked = validator.capturingFetch(stack.baseUrl);
    // Records the Idempotency-Key of every submission, then lets the validating fetch send it.
    const recording: typeof fetch = (input, init) => {
      if (init?.method === 'POST') sentKeys.push(new Headers(init.headers).get('idempotency-key'));
      return checked(input, init);
    };
    client = new PipelineClient({ baseUrl: `${stack.baseUrl}/`, fetch: recording });
  });

  afterAll(async () => {
    await stack?.close();
  });

  afterEach(() => {
    expect(validator.problems()).toEqual([]);
  });

  it('submits bytes, follows the job to the end and reads its result and exports', async () => {
    const accepted = await client.submit(IMAGE, { filename: 'formula.png', options: QUICK, metadata: { page: 3 } });
    expect(accepted).toMatchObject({ id: expect.any(String), status: 'queued', links: { self: `/v1/jobs/${accepted.id}` } });
    // An idempotency key is generated for every submission unless the caller opts out.
    expect(sentKeys.at(-1)).toMatch(/^[0-9a-f-]{36}$/);

    const updates: JobView[] = [];
    const view = await client.waitFor(accepted.id, { pollSeconds: 5, onUpdate: (v) => updates.push(v) });
    expect(view).toMatchObject({ id: accepted.id, status: 'completed', progress: 1, metadata: { page: 3 } });
    expect(updates.at(-1)?.status).toBe('completed');
    expect((await client.get(accepted.id)).stages.B.status).toBe('skipped');

    const result = ResultDocument.parse(await client.result(accepted.id));
    expect(result.id).toBe(accepted.id);
    const json = await client.export(accepted.id, 'json');
    expect(json).toMatchObject({ format: 'json', contentType: expect.stringMatching(/^application\/json/), filename: `${accepted.id}.json` });
    expect(JSON.parse(new TextDecoder().decode(json.data)).id).toBe(accepted.id);
    expect((await client.export(accepted.id, 'markdown')).contentType).toMatch(/^text\/markdown/);
    expect(typeof (await client.exportText(accepted.id, 'markdown'))).toBe('string');

    // DELETE of a finished job removes its data: the SDK answers null, and the job is gone.
    expect(await client.cancel(accepted.id)).toBeNull();
    expect(await rejection(client.get(accepted.id))).toBeInstanceOf(NotFoundError);
  });

  it('returns the same job for the same idempotency key, and a 422 for the same key with another body', async () => {
    const first = await client.submit(IMAGE, { idempotencyKey: 'sdk-test-key-1', options: QUICK });
    const again = await client.submit(IMAGE, { idempotencyKey: 'sdk-test-key-1', options: QUICK });
    expect(again.id).toBe(first.id);
    const other = await client.submit(IMAGE, { options: QUICK });
    expect(other.id).not.toBe(first.id);
    // Sent as base64 this time: the fingerprint is of the image, not of how it travelled.
    const asBase64 = await client.submit({ base64: `data:image/png;base64,${IMAGE.toString('base64')}` }, { idempotencyKey: 'sdk-test-key-1', options: QUICK });
    expect(asBase64.id).toBe(first.id);

    const reused = await rejection(client.submit(OTHER, { idempotencyKey: 'sdk-test-key-1', options: QUICK }));
    expect(reused).toBeInstanceOf(UnprocessableError);
    expect(reused).toMatchObject({ status: 422, code: 'idempotency-key-reused', problem: { status: 422, errors: [expect.objectContaining({ field: 'header.Idempotency-Key' })] } });
    const without = sentKeys.length;
    await client.submit(IMAGE, { idempotencyKey: false, options: QUICK });
    expect(sentKeys[without]).toBeNull();
  });

  it('throws typed errors carrying the problem document: 404, 422, 400', async () => {
    const missing = await rejection(client.get(UNKNOWN_JOB));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ name: 'NotFoundError', status: 404, code: 'job-not-found', problem: { type: expect.stringContaining('job-not-found'), title: 'Job not found', status: 404 } });

    const broken = await rejection(client.submit(IMAGE.subarray(0, 300)));
    expect(broken).toBeInstanceOf(UnprocessableError);
    expect((broken as UnprocessableError).problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringMatching(/corrupt$/) })]));

    const badOptions = await rejection(client.submit(IMAGE, { options: { no_such_option: true } as never }));
    expect(badOptions).toBeInstanceOf(ValidationError);
    expect(JSON.stringify((badOptions as ValidationError).problem.errors)).toContain('no_such_option');

    const exportNotAsked = await rejection(client.export(UNKNOWN_JOB, 'docx'));
    expect(exportNotAsked).toBeInstanceOf(NotFoundError);
  });

  it('lists, claims and decides a review, and the job then completes', async () => {
    // Stage B's confidence is below a threshold of 1, so the job waits for a person.
    const { id } = await client.submit(IMAGE, { options: { skip_stages: ['C', 'D', 'E', 'F'], review_threshold: 1 } });
    const waiting = await client.waitFor(id, { pollSeconds: 5 });
    expect(waiting.status).toBe('awaiting_review');
    const early = await rejection(client.result(id));
    expect(early).toBeInstanceOf(ConflictError);
    expect(early).toMatchObject({ status: 409, code: 'job-not-completed' });

    const pending = await client.reviews.list();
    expect(pending.map((t) => t.id)).toContain(id);
    const claim = await client.reviews.claim(id, 'ada');
    expect(claim).toMatchObject({ task_id: id, lease: { id: expect.any(String), owner: 'ada' } });
    const decided = await client.reviews.decide(id, { action: 'approve', reviewer: 'ada', lease_id: claim.lease.id });
    expect(decided).toMatchObject({ id, status: 'approved' });
    const twice = await rejection(client.reviews.decide(id, { action: 'approve', reviewer: 'ada' }));
    expect(twice).toBeInstanceOf(ConflictError);

    expect((await client.waitFor(id, { until: 'terminal', pollSeconds: 5 })).status).toBe('completed');
    expect((await client.reviews.list({ status: 'approved' })).map((t) => t.id)).toContain(id);
  });

  it('creates a batch of byte images and reads its items and counts', async () => {
    const batch = await client.batches.create([IMAGE, OTHER], { filenames: ['a.png', 'b.png'], options: QUICK });
    expect(batch).toMatchObject({ status: 'processing', total: 2 });
    expect(batch.items.map((i) => i.index)).toEqual([0, 1]);
    for (const item of batch.items) expect((await client.waitFor(item.job_id, { pollSeconds: 5 })).status).toBe('completed');
    const view = await client.batches.get(batch.id);
    expect(view).toMatchObject({ id: batch.id, total: 2, counts: expect.objectContaining({ completed: 2 }) });
    expect(view.items.map((i) => i.status)).toEqual(['completed', 'completed']);
  });

  it('reads health and readiness', async () => {
    expect(await client.health()).toMatchObject({ status: 'healthy', version: expect.any(String) });
    expect(await client.ready()).toMatchObject({ status: 'ready', checks: expect.objectContaining({ redis: 'connected' }) });
  });
});

describe('PipelineClient against an API with API_KEYS', () => {
  let stack: Stack;

  beforeAll(async () => {
    // No worker: a job stays queued, so cancelling it is certain to find it unfinished.
    stack = await startStack({ env: { API_KEYS: 'sdk-key' }, worker: false });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('sends the key as a bearer token, refuses without it, and cancels a queued job', async () => {
    const anonymous = new PipelineClient({ baseUrl: stack.baseUrl });
    const refused = await rejection(anonymous.submit(IMAGE));
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });

    const client = new PipelineClient({ baseUrl: stack.baseUrl, apiKey: 'sdk-key' });
    const { id } = await client.submit(IMAGE, { options: QUICK });
    const cancelled = await client.cancel(id);
    expect(cancelled).toMatchObject({ id, status: 'cancelled', error: { code: 'cancelled' } });
    expect((await client.waitFor(id)).status).toBe('cancelled');
  });
});
