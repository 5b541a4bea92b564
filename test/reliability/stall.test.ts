/**
 * Stall: a worker whose event loop is blocked (a stage body that busy-waits past the BullMQ lock,
 * so the lock cannot be renewed) next to a healthy worker. The healthy one must take the stalled
 * stage over, and the job must still complete exactly once: one `completed` event, one count in
 * the processed totals, even though the blocked worker wakes up later and tries to finish it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { EndingTracker, notCompleted, smallPng, submit } from './support/jobs';
import { REDIS_URL, deletePrefix, pipelineEnv, startApi, startWorker, stopAll, uniquePrefix, until } from './support/processes';

const JOBS = 24;
const LOCK = { durationMs: 2_000, stalledIntervalMs: 1_000 };
/** The blocked stage holds its event loop until the takeover has run (the test then releases it), at most this long. */
const BLOCK_MS = 90_000;

describe('a worker whose event loop blocks past its lock', () => {
  const prefix = uniquePrefix('stall');
  const env = pipelineEnv(REDIS_URL, prefix, { PIPELINE_WORKERS: '4' });
  const redis = new Redis(REDIS_URL);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpp-stall-'));
  const releaseFile = path.join(dir, 'release');
  afterAll(async () => {
    await EndingTracker.closeAll();
    rmSync(dir, { recursive: true, force: true });
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
    redis.disconnect();
  });

  it('has its stage taken over; the job completes once', async () => {
    const api = await startApi(env);
    const blocker = await startWorker(env, { noop: 'all', countRuns: true, lock: LOCK, block: { stage: 'D', ms: BLOCK_MS, releaseFile } });
    const tracker = await EndingTracker.start(REDIS_URL, prefix);

    const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => submit(api.url, smallPng(70_000 + i))));
    // The healthy worker joins once the blocker is stuck, so the blocker surely holds a stage.
    let blockedJob = '';
    await until('the blocking worker announced its block', () => (blockedJob = blocker.signals().find((l) => l.startsWith('BLOCKING '))?.slice('BLOCKING '.length) ?? '') !== '', 60_000, 20);
    await startWorker(env, { noop: 'all', countRuns: true, lock: LOCK });
    // The healthy worker finds the lost lock and runs the stalled stage again...
    await until('the stalled stage was taken over', async () => Number(await redis.hget(`${prefix}:bench:runs`, `${blockedJob}:D`)) >= 2, 120_000, 100);
    await until('every job completed', () => tracker.completedCount(ids) === JOBS, 120_000, 200);
    // ...and only then does the blocked worker wake up and try to finish what it held; let it.
    writeFileSync(releaseFile, '');
    await until('the blocked worker woke up', () => blocker.signals().includes(`UNBLOCKED ${blockedJob}`), 120_000, 50);
    await new Promise((r) => setTimeout(r, 3_000));

    expect(ids).toContain(blockedJob);
    expect(await notCompleted(api.url, ids)).toEqual([]);
    expect([...tracker.completedEvents].filter(([, n]) => n !== 1)).toEqual([]);
    expect(tracker.failed.size).toBe(0);
    const totals = await redis.hgetall(`${prefix}:stats:processed`);
    expect(Number(totals.success)).toBe(JOBS);
    expect(Number(totals.failure ?? 0)).toBe(0);

    // The blocked stage ran a second time: another worker took it over after the lock expired.
    const runs = await redis.hgetall(`${prefix}:bench:runs`);
    expect(Number(runs[`${blockedJob}:D`])).toBe(2);
    for (const id of ids) for (const s of 'ABCDEFGH') expect(Number(runs[`${id}:${s}`] ?? 0)).toBeGreaterThanOrEqual(1);
    const reruns = Object.values(runs).reduce((n, v) => n + Number(v) - 1, 0);
    const view = (await (await fetch(`${api.url}/v1/jobs/${blockedJob}`)).json()) as { status: string; stages: Record<string, { status: string }> };
    expect(view.status).toBe('completed');
    expect(Object.values(view.stages).map((s) => s.status)).not.toContain('running');
    process.stdout.write(`stall: ${JOBS} jobs, job ${blockedJob} blocked in D until its takeover, D ran ${runs[`${blockedJob}:D`]} times, ${reruns} stage re-runs in all, each job completed once\n`);
  });
});
