import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteMatching } from '../../../test/support/redis-keys';
import { EXPIRY_REVIEWER, ReviewError, ReviewGate, ReviewService, ReviewStore, reviewKeys, priorityScore } from '@mpp/review';
import type { HumanReviewOutput } from '@mpp/schemas';
import { BlobStore, JobStore, storeKeys } from '@mpp/store';
import { createLogger } from '@mpp/telemetry';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-review-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url);
const store = new JobStore(redis, storeKeys(prefix), 600);
const reviews = new ReviewStore(redis, reviewKeys(prefix), 600);
const logger = createLogger({ level: 'silent', name: 'test' });
const settings = { leaseSeconds: 60, expiryHours: 1, expiryAction: 'escalate' as const, recheckSeconds: 30, jobTimeoutSeconds: 600 };
const woken: string[] = [];
const images = new BlobStore(redis, storeKeys(prefix), 60);
const service = new ReviewService({ store, reviews, images, settings, logger, wake: async (id) => woken.push(id) });

afterAll(async () => {
  await deleteMatching(redis, `${prefix}:*`);
  redis.disconnect();
});

function review(confidence: number): HumanReviewOutput {
  return { provider: 'builtin', confidence, duration_ms: 1, review_required: true, threshold: 0.7, job_confidence: confidence, reasons: [{ stage: 'B', code: 'low_confidence', message: 'low', refs: [] }], stage_confidences: { B: confidence }, status: 'required' };
}

/** A job that reached stage G and waits for review. */
async function waitingJob(confidence: number, service_ = service, original_ref = `sha256:${'0'.repeat(64)}`): Promise<string> {
  const id = randomUUID();
  await store.create({ id, options: {}, metadata: {}, original_ref, skipped: [] });
  await store.stageStarted(id, 'G', 1);
  const g = review(confidence);
  await store.stageCompleted(id, 'G', g);
  await service_.open(id, g);
  return id;
}

describe('review tasks', () => {
  it('orders pending tasks by lower confidence first, then older first, escalated before all', () => {
    expect(priorityScore(0.3, 2_000, false)).toBeLessThan(priorityScore(0.5, 1_000, false));
    expect(priorityScore(0.5, 1_000, false)).toBeLessThan(priorityScore(0.5, 2_000, false));
    expect(priorityScore(0.99, 9_000, true)).toBeLessThan(priorityScore(0, 1_000, false));
  });

  it('opens one task per job, marks the job awaiting_review and lists tasks in priority order', async () => {
    const high = await waitingJob(0.65);
    const low = await waitingJob(0.2);
    await service.open(low, review(0.2)); // G ran again after a crash: still one task
    expect((await store.get(low))?.status).toBe('awaiting_review');
    const { tasks } = await reviews.list('pending');
    const order = tasks.map((t) => t.id).filter((id) => id === high || id === low);
    expect(order).toEqual([low, high]);
  });

  it('lets a lease be reclaimed by someone else once it expired, and not before', async () => {
    const id = await waitingJob(0.5);
    const t0 = Date.now();
    const first = await reviews.claim(id, 'alice', 1_000, t0);
    expect(first.outcome).toBe('claimed');
    expect((await reviews.claim(id, 'bob', 1_000, t0 + 500)).outcome).toBe('held');
    // The name is free text: claiming again as "alice" without her lease id renews nothing.
    expect(await reviews.claim(id, 'alice', 1_000, t0 + 500)).toEqual({ outcome: 'held', holder: { owner: 'alice', expires_at: new Date(t0 + 1_000).toISOString() } });
    const again = await reviews.claim(id, 'alice', 1_000, t0 + 500, first.outcome === 'claimed' ? first.lease.id : '');
    expect(again).toMatchObject({ outcome: 'claimed', lease: { owner: 'alice', expires_at: new Date(t0 + 1_500).toISOString() } });
    const taken = await reviews.claim(id, 'bob', 1_000, t0 + 5_000);
    expect(taken).toMatchObject({ outcome: 'claimed', lease: { owner: 'bob' } });
    // alice's old lease no longer lets her decide while bob's lives.
    const lease = first.outcome === 'claimed' ? first.lease.id : '';
    const outcome = await reviews.decide({ taskId: id, status: 'approved', reviewer: 'alice', leaseId: lease, decision: null, feedback: [] }, t0 + 5_500);
    expect(outcome).toMatchObject({ outcome: 'held', owner: 'bob' });
  });

  it('refuses a decision without the live lease\'s id, whatever reviewer name it gives', async () => {
    const id = await waitingJob(0.5);
    const lease = await service.claim(id, 'alice');
    await expect(service.decide(id, { action: 'approve', reviewer: 'alice' })).rejects.toMatchObject({ code: 'review_lease_held' });
    await expect(service.decide(id, { action: 'approve', reviewer: 'alice', lease_id: 'guessed' })).rejects.toMatchObject({ code: 'review_lease_held' });
    expect((await reviews.get(id))?.lease).toEqual({ owner: 'alice', expires_at: lease.expires_at });
    expect(await service.decide(id, { action: 'approve', reviewer: 'alice', lease_id: lease.id })).toMatchObject({ status: 'approved' });
  });

  it('gives a lease back only to its holder, then lets anyone claim the task', async () => {
    const id = await waitingJob(0.5);
    const lease = await service.claim(id, 'alice');
    await expect(service.release(id, 'not-hers')).rejects.toMatchObject({ code: 'review_lease_held' });
    await service.release(id, lease.id);
    await service.release(id, lease.id); // releasing twice is harmless
    expect((await reviews.get(id))?.lease).toBeNull();
    expect((await service.claim(id, 'bob')).owner).toBe('bob');
  });

  it('keeps a waiting job\'s image at least as long as the job, and longer once it resumes', async () => {
    const ref = await images.put(Buffer.from(randomUUID()));
    const ttl = () => redis.ttl(storeKeys(prefix).blob(ref.slice('sha256:'.length)));
    expect(await ttl()).toBeLessThanOrEqual(60);
    const id = await waitingJob(0.5, service, ref);
    expect(await ttl()).toBeGreaterThanOrEqual(store.ttlSeconds - 5);
    await service.decide(id, { action: 'approve', reviewer: 'alice' });
    expect(await ttl()).toBeGreaterThan(store.ttlSeconds + settings.jobTimeoutSeconds - 5);
  });

  it('refuses claims through the service while another reviewer holds the lease', async () => {
    const id = await waitingJob(0.5);
    await service.claim(id, 'alice');
    await expect(service.claim(id, 'bob')).rejects.toMatchObject({ code: 'review_lease_held' });
    await expect(service.claim(randomUUID(), 'bob')).rejects.toBeInstanceOf(ReviewError);
  });

  it('escalates a task nobody decided in time: it moves to the front of the queue', async () => {
    const id = await waitingJob(0.69);
    const later = Date.now() + 2 * 3_600_000;
    const swept = await service.sweep(later);
    expect(swept.escalated).toContain(id);
    const { tasks } = await reviews.list('pending', 0, 200, later);
    expect(tasks[0]?.escalated).toBe(true);
    expect(tasks.find((t) => t.id === id)?.escalated).toBe(true);
    expect((await store.get(id))?.status).toBe('awaiting_review');
  });

  it('rejects an overdue task when configured to, failing the job with review_expired', async () => {
    const strict = new ReviewService({ store, reviews, settings: { ...settings, expiryAction: 'reject' }, logger });
    const id = await waitingJob(0.4, strict);
    const swept = await strict.sweep(Date.now() + 2 * 3_600_000);
    expect(swept.rejected).toContain(id);
    expect((await reviews.get(id))?.decision?.reviewer).toBe(EXPIRY_REVIEWER);
    expect((await store.get(id))?.error).toMatchObject({ stage: 'G', code: 'review_expired' });
  });

  it('closes a pending task whose job was cancelled', async () => {
    const id = await waitingJob(0.5);
    await store.cancel(id);
    await expect(service.claim(id, 'alice')).rejects.toMatchObject({ code: 'review_job_not_waiting' });
    expect((await reviews.get(id))?.status).toBe('closed');
  });

  it('keeps the export stage parked while the job waits (its start refused) and lets it run once a decision was applied', async () => {
    const gate = new ReviewGate(service, store);
    const id = await waitingJob(0.5);
    expect([gate.gates('H'), gate.gates('F')]).toEqual([true, false]);
    expect(await gate.beforeStage(id, 'F')).toEqual({ action: 'run' });
    // The worker host asks the gate only once H's start is refused, which a waiting job does.
    expect(await store.startStage(id, 'H', 1, [])).toBeNull();
    const now = Date.now();
    const verdict = await gate.beforeStage(id, 'H', now);
    expect(verdict).toEqual({ action: 'wait', untilMs: now + settings.recheckSeconds * 1000 });
    expect(await gate.stillWaiting(id)).toBe(true);

    await service.decide(id, { action: 'approve', reviewer: 'alice' });
    expect(woken).toContain(id);
    expect((await store.get(id))?.status).toBe('running');
    expect((await store.getOutput(id, 'G'))?.status).toBe('approved');
    expect(await gate.beforeStage(id, 'H')).toEqual({ action: 'run' });
    expect((await store.startStage(id, 'H', 1, []))?.record.stages.H.status).toBe('running');
  });

  it('applies a recorded decision when the export stage wakes, if the API could not', async () => {
    const gate = new ReviewGate(service, store);
    const id = await waitingJob(0.5);
    // The decision is recorded, but the process died before applying it.
    await reviews.decide({ taskId: id, status: 'approved', reviewer: 'alice', decision: { action: 'approve', reviewer: 'alice', decided_at: new Date().toISOString(), changes: [] }, feedback: [] });
    expect((await store.get(id))?.status).toBe('awaiting_review');
    expect(await gate.beforeStage(id, 'H')).toEqual({ action: 'run' });
    expect((await store.get(id))?.status).toBe('running');
  });
});
