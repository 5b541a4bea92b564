/**
 * Leak: 2000 jobs through one worker process (no-op stage bodies, so what runs is the
 * orchestration: queues, job records, status updates, events, metrics, cache). Every 100 completed
 * jobs the worker runs a full GC and reports its RSS and heap (`memoryAfterGc`): what it keeps, not
 * garbage V8 has not collected yet (raw RSS swings by a third with the collector's timing). After a
 * warm-up of 400 jobs, the median of the last five samples may exceed the median of the first five
 * by less than 10%, for RSS and for the heap alike. The API's RSS is reported too.
 */
import { EndingTracker, smallPng, submit } from './support/jobs';
import { REDIS_URL, deletePrefix, memoryAfterGc, pipelineEnv, rssMb, startApi, startWorker, stopAll, uniquePrefix } from './support/processes';

const JOBS = 2_000;
const WARMUP = 400;
const IN_FLIGHT = 32;
const EVERY = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MB = 1024 * 1024;

interface Sample {
  done: number;
  /** After a full GC, MB. */
  rss: number;
  heap: number;
  /** As the process stood, before the GC, MB. */
  rawRss: number;
  api: number;
}

/** Median of the first five samples after warm-up against the median of the last five. */
function growth(after: Sample[], of: (s: Sample) => number): { early: number; late: number; growth: number } {
  const early = median(after.slice(0, 5).map(of));
  const late = median(after.slice(-5).map(of));
  return { early, late, growth: late / early - 1 };
}

describe('2000 jobs through one worker', () => {
  const prefix = uniquePrefix('leak');
  afterAll(async () => {
    await EndingTracker.closeAll();
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('keeps the worker RSS and heap flat after warm-up (< 10% growth, measured after a full GC)', async () => {
    const env = pipelineEnv(REDIS_URL, prefix, { PIPELINE_WORKERS: '4' });
    const api = await startApi(env);
    const worker = await startWorker(env, { noop: 'all', memoryProbe: true });
    const tracker = await EndingTracker.start(REDIS_URL, prefix);

    const samples: Sample[] = [];
    const sampling: Array<Promise<void>> = [];
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
        if (done % EVERY === 0) {
          const at = { done, rawRss: rssMb(worker.pid), api: rssMb(api.pid) };
          sampling.push(memoryAfterGc(worker).then((m) => void samples.push({ ...at, rss: m.rss / MB, heap: m.heapUsed / MB })));
        }
      }
    };
    const poll = setInterval(() => {
      const pending = wait;
      wait = [];
      for (const check of pending) check();
    }, 20);
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      await Promise.all(sampling);
    } finally {
      clearInterval(poll);
    }

    expect(tracker.failed.size).toBe(0);
    expect(tracker.completedCount(ids)).toBe(JOBS);
    samples.sort((a, b) => a.done - b.done);
    const after = samples.filter((s) => s.done > WARMUP);
    expect(after.length).toBeGreaterThanOrEqual(10);
    const rss = growth(after, (s) => s.rss);
    const heap = growth(after, (s) => s.heap);
    const list = (of: (s: Sample) => number) => samples.map((s) => of(s).toFixed(0)).join(' ');
    const pct = (g: number) => `${(g * 100).toFixed(1)}%`;
    process.stdout.write(
      `leak: ${JOBS} jobs; worker after GC: RSS ${rss.early.toFixed(0)} -> ${rss.late.toFixed(0)} MB (${pct(rss.growth)}), heap ${heap.early.toFixed(1)} -> ${heap.late.toFixed(1)} MB (${pct(heap.growth)}); ` +
        `api ${after[0]!.api.toFixed(0)} -> ${after.at(-1)!.api.toFixed(0)} MB; samples after GC (RSS) ${list((s) => s.rss)}; heap ${list((s) => s.heap)}; raw RSS ${list((s) => s.rawRss)}\n`,
    );
    expect(rss.growth).toBeLessThan(0.1);
    expect(heap.growth).toBeLessThan(0.1);
  });
});
