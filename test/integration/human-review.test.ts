/**
 * Human review that really waits: a low-confidence job parks in `awaiting_review` holding no
 * worker slot, survives a restart of the API and the worker, and resumes at export with the
 * reviewer's corrections (or fails when rejected). Real Redis, BullMQ, HTTP, local providers.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ResultDocument } from '@mpp/schemas';
import { JobStore, storeKeys } from '@mpp/store';
import { createApiApp, type ApiApp } from '../../apps/api/src/app';
import { createWorkerApp, type WorkerApp } from '../../apps/worker/src/app';
import { readFixture } from '../support/fixtures';
import { REDIS_URL, deletePrefix, silentLogger, submitFile, testConfig, waitForJob } from '../support/stack';

jest.setTimeout(240_000);

// One slot per stage: a parked export stage that held its slot would block every other job's export.
// Images are kept a minute by default: a job's own images must outlive that while it waits.
const config = testConfig({ PIPELINE_WORKERS: '1', PIPELINE_IMAGE_TTL: '60' });
const IMAGE = readFixture('im2latex', '329a44c373.png');
const CORRECTED = '\\frac{a+b}{2} = \\sqrt{ab}';

let api: ApiApp;
let server: http.Server;
let worker: WorkerApp;
let baseUrl: string;

async function start(): Promise<void> {
  api = createApiApp({ config, logger: silentLogger() });
  server = await api.listen(0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = await createWorkerApp({ config, logger: silentLogger(), healthServer: false });
}

async function stop(): Promise<void> {
  await worker.close();
  await api.close();
}

async function submitForReview(): Promise<string> {
  const res = await submitFile(baseUrl, IMAGE, { options: JSON.stringify({ review_threshold: 1, export_formats: ['json', 'latex', 'markdown'] }) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

const post = (path: string, body: unknown) => fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Seconds left to a job's record and to its normalised image, read straight from Redis. */
async function lifetimes(jobId: string): Promise<{ job: number; image: number }> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = storeKeys(config.redis.prefix);
    const ingestion = await new JobStore(redis, keys, config.resultTtlSeconds).getOutput(jobId, 'A');
    return { job: await redis.ttl(keys.job(jobId)), image: await redis.ttl(keys.blob(ingestion!.image_ref.slice('sha256:'.length))) };
  } finally {
    redis.disconnect();
  }
}

/** The export stage's state once it stops moving (waiting/active are on the way to parked). */
async function exportStageSettles(jobId: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = await exportStageState(jobId);
  while (['waiting', 'prioritized', 'active', 'missing', 'waiting-children'].includes(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await exportStageState(jobId);
  }
  return state;
}

/** The export stage's BullMQ state, read straight from Redis (not through the code under test). */
async function exportStageState(jobId: string): Promise<string> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('stage-h-export', { connection, prefix: `${config.redis.prefix}:bull` });
  try {
    return (await (await queue.getJob(`${jobId}-H`))?.getState()) ?? 'missing';
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

beforeAll(start);
afterAll(async () => {
  await stop();
  await deletePrefix(config.redis.prefix);
});

describe('a job below the review threshold', () => {
  let jobId: string;

  it('waits in awaiting_review with a pending task and its export stage parked, holding no worker', async () => {
    jobId = await submitForReview();
    const view = await waitForJob(baseUrl, jobId);
    expect(view.status).toBe('awaiting_review');
    expect(view.stages.G.status).toBe('completed');
    expect(view.stages.H.status).not.toBe('completed');
    // H is released when G's queue job completes, asks the gate, and parks in the delayed set.
    expect(await exportStageSettles(jobId)).toBe('delayed');
    expect(worker.host.activeJobs).toBe(0);
    // The review page shows the image for as long as the job can wait, not PIPELINE_IMAGE_TTL.
    const left = await lifetimes(jobId);
    expect(left.image).toBeGreaterThan(60);
    expect(left.image).toBeGreaterThanOrEqual(left.job - 5);

    const list = (await (await fetch(`${baseUrl}/v1/reviews?status=pending`)).json()) as { tasks: Array<Record<string, any>>; total: number };
    const task = list.tasks.find((t) => t.job_id === jobId);
    expect(task).toMatchObject({ id: jobId, status: 'pending', threshold: 1, escalated: false, lease: null });
    expect(task!.reasons.some((r: { code: string }) => r.code === 'low_confidence')).toBe(true);
  });

  it('lets other jobs through the export stage while it waits, with one slot per stage', async () => {
    const res = await submitFile(baseUrl, IMAGE, { options: JSON.stringify({ enable_human_review: false }) });
    const other = ((await res.json()) as { id: string }).id;
    expect((await waitForJob(baseUrl, other)).status).toBe('completed');
    expect((await (await fetch(`${baseUrl}/v1/jobs/${jobId}`)).json()).status).toBe('awaiting_review');
  });

  it('still waits after the API and the worker restart, and resumes with the corrections at export', async () => {
    await stop();
    await start();
    expect((await (await fetch(`${baseUrl}/v1/jobs/${jobId}`)).json()).status).toBe('awaiting_review');

    const detail = (await (await fetch(`${baseUrl}/v1/reviews/${jobId}`)).json()) as Record<string, any>;
    expect(detail.context.image.url).toBe(`/v1/jobs/${jobId}/image`);
    const image = await fetch(`${baseUrl}${detail.context.image.url}`);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(100);

    const claim = await post(`/v1/reviews/${jobId}/claim`, { reviewer: 'alice' });
    expect(claim.status).toBe(200);
    const { lease } = (await claim.json()) as { lease: { id: string; owner: string } };
    expect(lease.owner).toBe('alice');

    // Someone else may neither claim nor decide while alice's lease lives, not even by her name:
    // the lease id is the proof, and the task views never show it.
    expect((await post(`/v1/reviews/${jobId}/claim`, { reviewer: 'bob' })).status).toBe(409);
    expect((await post(`/v1/reviews/${jobId}/claim`, { reviewer: 'alice' })).status).toBe(409);
    expect((await post(`/v1/reviews/${jobId}/decision`, { action: 'approve', reviewer: 'bob' })).status).toBe(409);
    expect((await post(`/v1/reviews/${jobId}/decision`, { action: 'approve', reviewer: 'alice' })).status).toBe(409);
    expect(JSON.stringify(await (await fetch(`${baseUrl}/v1/reviews/${jobId}`)).json())).not.toContain(lease.id);
    expect(JSON.stringify(await (await fetch(`${baseUrl}/v1/reviews?status=pending`)).json())).not.toContain(lease.id);
    // Renewing needs the lease id, and keeps it.
    const renewed = await post(`/v1/reviews/${jobId}/claim`, { reviewer: 'alice', lease_id: lease.id });
    expect(renewed.status).toBe(200);
    expect(((await renewed.json()) as { lease: { id: string } }).lease.id).toBe(lease.id);
    // Corrections are validated: an unknown field, then a formula the job does not have.
    expect((await post(`/v1/reviews/${jobId}/decision`, { action: 'modify', reviewer: 'alice', lease_id: lease.id, corrections: { colour: 'red' } })).status).toBe(400);
    expect((await post(`/v1/reviews/${jobId}/decision`, { action: 'modify', reviewer: 'alice', lease_id: lease.id, corrections: { formulas: [{ index: 999, latex: 'x' }] } })).status).toBe(422);
    // ... LaTeX MathJax cannot parse, and a fact about no node of the graph: refused now, naming them.
    const badLatex = await post(`/v1/reviews/${jobId}/decision`, { action: 'modify', reviewer: 'alice', lease_id: lease.id, corrections: { text: 'Half: $\\frac{a$' } });
    expect(badLatex.status).toBe(422);
    expect(badLatex.headers.get('content-type')).toContain('application/problem+json');
    expect(((await badLatex.json()) as { errors: unknown[] }).errors).toEqual([{ field: 'corrections.text', message: expect.stringContaining('$\\frac{a$') }]);
    const badFact = await post(`/v1/reviews/${jobId}/decision`, { action: 'modify', reviewer: 'alice', lease_id: lease.id, corrections: { facts: [{ statement: 'PQ = 3', subject: 'PQ', relation: 'equals', value: 3 }] } });
    expect(badFact.status).toBe(422);
    expect(((await badFact.json()) as { errors: unknown[] }).errors).toEqual([{ field: 'corrections.facts[0].subject', message: expect.stringContaining('no node "PQ"') }]);
    expect((await (await fetch(`${baseUrl}/v1/reviews/${jobId}`)).json()).status).toBe('pending');

    const text = `Corrected by a reviewer: $${CORRECTED}$`;
    const decision = await post(`/v1/reviews/${jobId}/decision`, { action: 'modify', reviewer: 'alice', lease_id: lease.id, comment: 'fixed the fraction', corrections: { text } });
    expect(decision.status).toBe(200);
    expect(await decision.json()).toMatchObject({ status: 'modified', decision: { action: 'modify', reviewer: 'alice' } });

    const done = await waitForJob(baseUrl, jobId);
    expect(done.status).toBe('completed');
    const latex = await (await fetch(`${baseUrl}/v1/jobs/${jobId}/exports/latex`)).text();
    expect(latex).toContain(CORRECTED);
    const result = ResultDocument.parse(await (await fetch(`${baseUrl}/v1/jobs/${jobId}/result`)).json());
    expect(result.text?.text).toBe(text);
    // The formulas are read again from the corrected text, and F's renderings follow them.
    expect(result.text?.formulas.map((f) => f.latex)).toEqual([CORRECTED]);
    expect(result.regeneration?.formulas.map((f) => f.latex)).toEqual([CORRECTED]);
    expect(result.regeneration?.formulas[0]?.svg).toMatch(/^<svg/);
    expect(result.review?.status).toBe('modified');
    expect(result.review?.decision).toMatchObject({ action: 'modify', reviewer: 'alice', comment: 'fixed the fraction' });
    expect(result.review?.decision?.changes).toEqual([expect.objectContaining({ path: 'text.text', after: text })]);

    // A decided task cannot be decided again.
    expect((await post(`/v1/reviews/${jobId}/decision`, { action: 'approve', reviewer: 'alice' })).status).toBe(409);

    const feedback = await fetch(`${baseUrl}/v1/reviews/feedback.jsonl`);
    expect(feedback.headers.get('content-type')).toContain('application/x-ndjson');
    const rows = (await feedback.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toContainEqual(expect.objectContaining({ job_id: jobId, reviewer: 'alice', path: 'text.text', after: text, image_sha256: result.image?.sha256 }));
  });

  it('fails the job with review_rejected when a reviewer rejects it', async () => {
    const id = await submitForReview();
    expect((await waitForJob(baseUrl, id)).status).toBe('awaiting_review');
    const res = await post(`/v1/reviews/${id}/decision`, { action: 'reject', reviewer: 'carol', reason: 'not a math image' });
    expect(res.status).toBe(200);
    const view = await waitForJob(baseUrl, id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ stage: 'G', code: 'review_rejected' });
    expect(view.error.message).toContain('not a math image');
    const rejected = (await (await fetch(`${baseUrl}/v1/reviews?status=rejected`)).json()) as { tasks: Array<{ id: string }> };
    expect(rejected.tasks.map((t) => t.id)).toContain(id);
  });

  it('waits for the decision even when the export stage is skipped, then completes', async () => {
    const res = await submitFile(baseUrl, IMAGE, { options: JSON.stringify({ review_threshold: 1, skip_stages: ['export'] }) });
    const id = ((await res.json()) as { id: string }).id;
    const waiting = await waitForJob(baseUrl, id);
    expect(waiting.status).toBe('awaiting_review');
    expect(waiting.stages.H.status).toBe('skipped');
    expect((await post(`/v1/reviews/${id}/decision`, { action: 'approve', reviewer: 'frank' })).status).toBe(200);
    expect((await waitForJob(baseUrl, id)).status).toBe('completed');
  });

  it('gives a task to exactly one of two reviewers claiming at once', async () => {
    const id = await submitForReview();
    expect((await waitForJob(baseUrl, id)).status).toBe('awaiting_review');
    const [a, b] = await Promise.all([post(`/v1/reviews/${id}/claim`, { reviewer: 'dave' }), post(`/v1/reviews/${id}/claim`, { reviewer: 'erin' })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? 'dave' : 'erin';
    const { lease } = (await (a.status === 200 ? a : b).json()) as { lease: { id: string } };
    expect(((await (await fetch(`${baseUrl}/v1/reviews/${id}`)).json()) as { lease: { owner: string } }).lease.owner).toBe(winner);
    // The winner's name alone does not decide; the lease id does. Approving without changes resumes the job as it was.
    expect((await post(`/v1/reviews/${id}/decision`, { action: 'approve', reviewer: winner })).status).toBe(409);
    expect((await post(`/v1/reviews/${id}/decision`, { action: 'approve', reviewer: winner, lease_id: lease.id })).status).toBe(200);
    const view = await waitForJob(baseUrl, id);
    expect(view.status).toBe('completed');
    const result = ResultDocument.parse(await (await fetch(`${baseUrl}/v1/jobs/${id}/result`)).json());
    expect(result.review).toMatchObject({ status: 'approved', decision: { action: 'approve', reviewer: winner, changes: [] } });
  });
  it('gives a lease back on release, and lets anyone reclaim an expired lease, through the API', async () => {
    const id = await submitForReview();
    expect((await waitForJob(baseUrl, id)).status).toBe('awaiting_review');
    const first = (await (await post(`/v1/reviews/${id}/claim`, { reviewer: 'gus' })).json()) as { lease: { id: string } };
    expect((await post(`/v1/reviews/${id}/release`, { lease_id: 'not-his' })).status).toBe(409);
    expect((await post(`/v1/reviews/${id}/release`, { lease_id: first.lease.id })).status).toBe(200);
    expect(((await (await fetch(`${baseUrl}/v1/reviews/${id}`)).json()) as { lease: unknown }).lease).toBeNull();

    // hal claims through a second API on the same Redis whose leases last one second.
    const shortConfig = testConfig({ REDIS_PREFIX: config.redis.prefix, REVIEW_LEASE_SECONDS: '1' });
    const shortApi = createApiApp({ config: shortConfig, logger: silentLogger() });
    const shortServer = await shortApi.listen(0, '127.0.0.1');
    const shortUrl = `http://127.0.0.1:${(shortServer.address() as AddressInfo).port}`;
    let hal: { lease: { id: string } };
    try {
      const claimed = await fetch(`${shortUrl}/v1/reviews/${id}/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'hal' }) });
      expect(claimed.status).toBe(200);
      hal = (await claimed.json()) as { lease: { id: string } };
    } finally {
      await shortApi.close();
    }
    expect((await post(`/v1/reviews/${id}/claim`, { reviewer: 'ivy' })).status).toBe(409);
    while (((await (await fetch(`${baseUrl}/v1/reviews/${id}`)).json()) as { lease: unknown }).lease !== null) await new Promise((r) => setTimeout(r, 200));

    // Expired: ivy reclaims it (for the usual 15 minutes), and hal's old lease decides nothing.
    const taken = await post(`/v1/reviews/${id}/claim`, { reviewer: 'ivy' });
    expect(taken.status).toBe(200);
    const ivy = (await taken.json()) as { lease: { id: string; owner: string } };
    expect(ivy.lease.owner).toBe('ivy');
    expect(ivy.lease.id).not.toBe(hal.lease.id);
    expect((await post(`/v1/reviews/${id}/decision`, { action: 'approve', reviewer: 'hal', lease_id: hal.lease.id })).status).toBe(409);
    expect((await post(`/v1/reviews/${id}/decision`, { action: 'approve', reviewer: 'ivy', lease_id: ivy.lease.id })).status).toBe(200);
    expect((await waitForJob(baseUrl, id)).status).toBe('completed');
  });
});
