/**
 * Leak: 2000 jobs through one worker process (no-op stage bodies, so what runs is the
 * orchestration: queues, job records, status updates, events, metrics, cache). RSS is sampled
 * every 100 completed jobs; after a warm-up of 400 jobs, the median of the last samples may exceed
 * the median of the first samples after warm-up by less than 10%. The API's RSS is reported too.
 */
import { EndingTracker, smallPng, submit } from './support/jobs';
import { REDIS_URL, deletePrefix, pipelineEnv, rssMb, startApi, startWorker, stopAll, uniquePrefix } from './support/processes';

const JOBS = 2_000;
const WARMUP = 400;
const IN_FLIGHT = 32;
const EVERY = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('2000 jobs through one worker', () => {
  const prefix = uniquePrefix('leak');
  afterAll(async () => {
    await EndingTracker.closeAll();
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('keeps the worker RSS flat after warm-up (< 10% growth)', async () => {
    const env = pipelineEnv(REDIS_URL, prefix, { PIPELINE_WORKERS: '4' });
    const api = await startApi(env);
    const worker = await startWorker(env, { noop: 'all' });
    const tracker = await EndingTracker.start(REDIS_URL, prefix);

    const samples: Array<{ done: number; worker: number; api: number }> = [];
    let next = 0;
    let done = 0;
    let wait: Array<() => void> = [];
    const ids: string[] = [];
    const lane = async () => {
      while (next < JOBS) {
        const n = next++;
        const id = await submit(api.url, smallPng(200_000 + n));
        ids.push(id);
        await new Promise<void>((resolve) => {
          const check = () => (tracker.completedEvents.has(id) || tracker.failed.has(id) ? resolve() : wait.push(check));
          check();
        });
        done++;
        if (done % EVERY === 0) samples.push({ done, worker: rssMb(worker.pid), api: rssMb(api.pid) });
      }
    };
    const poll = setInterval(() => {
      const pending = wait;
      wait = [];
      for (const check of pending) check();
    }, 20);
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    } finally {
      clearInterval(poll);
    }

    expect(tracker.failed.size).toBe(0);
    expect(tracker.completedCount(ids)).toBe(JOBS);
    const after = samples.filter((s) => s.done > WARMUP);
    const early = median(after.slice(0, 5).map((s) => s.worker));
    const late = median(after.slice(-5).map((s) => s.worker));
    const growth = late / early - 1;
    process.stdout.write(
      `leak: ${JOBS} jobs; worker RSS ${early.toFixed(0)} MB after warm-up -> ${late.toFixed(0)} MB at the end (${(growth * 100).toFixed(1)}%); api ${after[0]!.api.toFixed(0)} -> ${after.at(-1)!.api.toFixed(0)} MB; samples ${samples.map((s) => s.worker.toFixed(0)).join(' ')}\n`,
    );
    expect(growth).toBeLessThan(0.1);
  });
});
