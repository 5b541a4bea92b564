import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BlobNotFoundError, BlobStore, JobDeadlines, JobEvents, JobStore, storeKeys, type JobEvent } from '@mpp/store';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-store-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url);
const keys = storeKeys(prefix);
const store = new JobStore(redis, keys, 600);

afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
});

async function newJob(skipped: Array<'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H'> = []) {
  return store.create({ id: randomUUID(), options: { export_formats: ['json'] }, metadata: { k: 1 }, original_ref: `sha256:${'0'.repeat(64)}`, skipped });
}

describe('job store', () => {
  it('creates a queued record with every stage pending or skipped, under the prefix with a TTL', async () => {
    const job = await newJob(['F']);
    expect(job.status).toBe('queued');
    expect(job.stages.A.status).toBe('pending');
    expect(job.stages.F.status).toBe('skipped');
    expect(job.metadata).toEqual({ k: 1 });
    const ttl = await redis.ttl(keys.job(job.id));
    expect(ttl).toBeGreaterThan(590);
  });

  it('records attempts, timings and outputs per stage and completes the job', async () => {
    const job = await newJob();
    expect(await store.stageStarted(job.id, 'A', 1)).toBe(true);
    expect((await store.get(job.id))!.status).toBe('running');
    await store.stageCompleted(job.id, 'A', { provider: 'sharp', duration_ms: 12.4, confidence: 1 });
    const after = (await store.get(job.id))!;
    expect(after.stages.A).toMatchObject({ status: 'completed', attempts: 1, provider: 'sharp', duration_ms: 12 });
    expect(await store.getOutput(job.id, 'A')).toEqual({ provider: 'sharp', duration_ms: 12.4, confidence: 1 });
    // The output travels as its own script argument: stored byte for byte.
    const text = { provider: 'local', duration_ms: 1, confidence: 0.5, text: 'a "quoted" \\ back\nslash, $x^2$ é ∑ \u0000 {}[]' };
    await store.stageStarted(job.id, 'B', 1);
    await store.stageCompleted(job.id, 'B', text);
    expect(await redis.hget(keys.outputs(job.id), 'B')).toBe(JSON.stringify(text));
    expect(await store.complete(job.id, 0.9)).toBe('applied');
    expect(await store.processedTotals()).toMatchObject({ success: 1 });
  });

  it('never lets a late stage overwrite a job that already failed or was cancelled', async () => {
    const job = await newJob();
    await store.stageStarted(job.id, 'B', 1);
    expect(await store.stageFailed(job.id, 'B', { stage: 'B', code: 'x', message: 'boom' }, true)).toBe('applied');
    expect(await store.stageStarted(job.id, 'C', 1)).toBe(false);
    expect(await store.complete(job.id, 1)).toBe('refused');
    const failed = (await store.get(job.id))!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ stage: 'B', code: 'x', message: 'boom' });

    const other = await newJob();
    expect(await store.cancel(other.id)).toBe('applied');
    expect(await store.stageStarted(other.id, 'A', 1)).toBe(false);
  });

  it('starts a stage and reads its inputs, the record and carried usage in one step; a stage that left pending is not queued again', async () => {
    const job = await newJob();
    await store.stageStarted(job.id, 'A', 1);
    await store.stageCompleted(job.id, 'A', { provider: 'sharp', duration_ms: 3, confidence: 1 });
    expect(await store.stageQueued(job.id, 'B')).toBe('applied');
    await store.addCarriedUsage(job.id, 'B', { calls: { mathpix: 2 }, estimated_cost_usd: 0.004 });
    expect(await store.stageStarted(job.id, 'B', 1)).toBe(true);
    await store.stageRateLimited(job.id, 'B', { reason: 'rate_limited', provider: 'mathpix', until: new Date().toISOString(), message: 'slow down' }, 1500);
    const started = await store.startStage(job.id, 'B', 1, ['A', 'C']);
    expect(started?.record.stages.B).toMatchObject({ status: 'running', attempts: 1, error: null, rate_limited_ms: 1500 });
    expect(started?.record.stages.B.waiting).toBeUndefined();
    expect(started?.record.options).toEqual({ export_formats: ['json'] });
    expect(started?.outputs).toEqual({ A: { provider: 'sharp', duration_ms: 3, confidence: 1 } });
    expect(started?.carriedUsage).toEqual({ calls: { mathpix: 2 }, estimated_cost_usd: 0.004 });
    // Reading is not taking: the usage stays until the stage's output includes it.
    expect((await store.startStage(job.id, 'B', 2, []))?.carriedUsage).toEqual({ calls: { mathpix: 2 }, estimated_cost_usd: 0.004 });
    await store.clearCarriedUsage(job.id, 'B');
    expect((await store.startStage(job.id, 'B', 3, []))?.carriedUsage).toBeUndefined();
    expect(await store.stageQueued(job.id, 'B')).toBe('refused');

    const done = await store.completeStage(job.id, 'B', { provider: 'mathpix', duration_ms: 8.6, confidence: 0.9 }, 'cached', ['A', 'B']);
    expect(done.outcome).toBe('applied');
    expect(done.record?.stages.B).toMatchObject({ status: 'cached', provider: 'mathpix', duration_ms: 9, attempts: 3 });
    expect(Object.keys(done.outputs ?? {})).toEqual(['A', 'B']);

    await store.cancel(job.id);
    expect(await store.startStage(job.id, 'C', 1, ['A'])).toBeNull();
    expect((await store.completeStage(job.id, 'C', { provider: 'local', duration_ms: 1, confidence: 1 }, 'completed', [])).outcome).toBe('refused');
  });

  it('completes the job in the last stage\'s own change when every stage is done, and tells listeners', async () => {
    const heard: string[] = [];
    const stop = store.onStatus((id, status) => void heard.push(`${id}:${status}`));
    const output = (provider: string) => ({ provider, duration_ms: 1, confidence: 0.9 });
    const runUpTo = async (last: 'G' | 'H') => {
      const job = await newJob(['F']);
      for (const s of ['A', 'B', 'C', 'D', 'E', 'G', 'H'] as const) {
        await store.startStage(job.id, s, 1, []);
        if (s !== last) await store.stageCompleted(job.id, s, output('t'), 'completed');
        else return job;
      }
      return job;
    };
    try {
      const job = await runUpTo('H');
      const done = await store.completeStage(job.id, 'H', output('export'), 'completed', [], { confidence: 0.8 });
      expect(done).toMatchObject({ outcome: 'applied', completed: true, record: { status: 'completed', confidence: 0.8 } });
      expect(heard).toContain(`${job.id}:completed`);
      // Not every stage done (G still running): the stage completes, the job does not.
      const early = await runUpTo('G');
      await store.startStage(early.id, 'H', 1, []);
      const partial = await store.completeStage(early.id, 'H', output('export'), 'completed', [], { confidence: 0.8 });
      expect(partial).toMatchObject({ outcome: 'applied', completed: false, record: { status: 'running' } });
      // A job waiting for a person is completed by the decision, never by a stage.
      const waiting = await runUpTo('H');
      await store.awaitReview(waiting.id);
      const held = await store.completeStage(waiting.id, 'H', output('export'), 'completed', [], { confidence: 0.8 });
      expect(held).toMatchObject({ completed: false, record: { status: 'awaiting_review' } });
      expect(heard).not.toContain(`${early.id}:completed`);
      expect(heard).not.toContain(`${waiting.id}:completed`);
    } finally {
      stop();
    }
  });

  it('keeps a retrying stage queued with its last error', async () => {
    const job = await newJob();
    await store.stageStarted(job.id, 'C', 1);
    await store.stageFailed(job.id, 'C', { stage: 'C', code: 'stage_error', message: 'flaky' }, false);
    const rec = (await store.get(job.id))!;
    expect(rec.status).toBe('running');
    expect(rec.stages.C).toMatchObject({ status: 'queued', attempts: 1, error: { message: 'flaky' } });
  });

  it('publishes every change on the job channel', async () => {
    const sub = new Redis(url);
    const events = new JobEvents(sub, keys);
    const job = await newJob();
    const seen: JobEvent[] = [];
    const stop = await events.listen(job.id, (e) => seen.push(e));
    await store.stageStarted(job.id, 'A', 1);
    await store.cancel(job.id);
    await new Promise((r) => setTimeout(r, 100));
    await stop();
    sub.disconnect();
    expect(seen).toEqual([
      { type: 'update', status: 'running', stage: 'A', stage_status: 'running' },
      { type: 'update', status: 'cancelled' },
    ]);
  });

  it('marks several stages queued in one step, each with its event, leaving one that already started as it is', async () => {
    const sub = new Redis(url);
    const events = new JobEvents(sub, keys);
    const job = await newJob();
    await store.stageStarted(job.id, 'A', 1);
    await store.stageCompleted(job.id, 'A', { provider: 'sharp', duration_ms: 3, confidence: 1 });
    await store.stageStarted(job.id, 'C', 1); // C overtook the mark
    const seen: JobEvent[] = [];
    const stop = await events.listen(job.id, (e) => seen.push(e));
    expect(await store.stagesQueued(job.id, ['B', 'C'])).toBe('applied');
    expect(await store.stagesQueued(job.id, ['B', 'C'])).toBe('refused'); // none pending any more
    await new Promise((r) => setTimeout(r, 100));
    await stop();
    sub.disconnect();
    const rec = (await store.get(job.id))!;
    expect([rec.stages.B.status, rec.stages.C.status]).toEqual(['queued', 'running']);
    expect(seen).toEqual([{ type: 'update', status: 'running', stage: 'B', stage_status: 'queued' }]);
    await store.cancel(job.id);
    expect(await store.stagesQueued(job.id, ['D'])).toBe('refused');
  });
});

describe('blob store', () => {
  const blobs = new BlobStore(redis, keys, 100);
  it('stores bytes once by content hash and reads them back', async () => {
    const data = Buffer.from([1, 2, 3, 255]);
    const ref = await blobs.put(data);
    expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await blobs.put(Buffer.from(data))).toBe(ref);
    expect(await blobs.get(ref)).toEqual(data);
    await blobs.touch(ref, 5000);
    expect(await redis.ttl(keys.blob(ref.slice(7)))).toBeGreaterThan(4000);
  });
  it('names a missing blob clearly', async () => {
    await expect(blobs.get(`sha256:${'f'.repeat(64)}`)).rejects.toBeInstanceOf(BlobNotFoundError);
  });
});

describe('job deadlines', () => {
  it('fails an overdue running job once, naming its stage, and leaves finished and reviewed jobs alone', async () => {
    const deadlines = new JobDeadlines(redis, keys, store);
    const running = await newJob();
    await store.stageStarted(running.id, 'A', 1);
    const done = await newJob();
    await store.complete(done.id, 1);
    await deadlines.set(running.id, 0);
    await deadlines.set(done.id, 0);
    const future = await newJob();
    await deadlines.set(future.id, 3600);
    const swept = await Promise.all([deadlines.sweep(Date.now() + 1), deadlines.sweep(Date.now() + 1)]);
    expect(swept.flat()).toEqual([running.id]);
    expect((await store.get(running.id))!.error).toMatchObject({ stage: 'A', code: 'job_timeout' });
    expect((await store.get(done.id))!.status).toBe('completed');
    expect((await store.get(future.id))!.status).toBe('queued');
  });

  it('keeps an overdue entry when its sweeper fails midway, so a later sweep fails the job', async () => {
    let broken = true;
    const flaky = Object.create(store) as JobStore;
    flaky.get = async (id: string) => {
      if (broken) throw new Error('connection lost');
      return store.get(id);
    };
    const deadlines = new JobDeadlines(redis, keys, flaky, 1000);
    const job = await newJob();
    await deadlines.set(job.id, 0);
    const now = Date.now() + 1;
    await expect(deadlines.sweep(now)).rejects.toThrow('connection lost');
    // Claimed, not removed: held for the lease, then due again.
    expect(await deadlines.sweep(now + 10)).toEqual([]);
    expect(await redis.zscore(keys.deadlines(), job.id)).not.toBeNull();
    broken = false;
    expect(await deadlines.sweep(now + 1001)).toEqual([job.id]);
    expect((await store.get(job.id))!.error).toMatchObject({ code: 'job_timeout' });
    expect(await redis.zscore(keys.deadlines(), job.id)).toBeNull();
  });

  it('leaves a deadline that was set anew while a sweeper held the old one', async () => {
    const job = await newJob();
    const slow = Object.create(store) as JobStore;
    const deadlines = new JobDeadlines(redis, keys, slow);
    slow.get = async (id: string) => {
      // A review resumed the job meanwhile: it has a fresh deadline and is no longer overdue.
      await deadlines.set(id, 3600);
      return { ...(await store.get(id))!, status: 'awaiting_review' };
    };
    await deadlines.set(job.id, 0);
    expect(await deadlines.sweep(Date.now() + 1)).toEqual([]);
    expect(Number(await redis.zscore(keys.deadlines(), job.id))).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
