/**
 * Backpressure admission against real BullMQ queues: a snapshot of the waiting count serves
 * submissions far from the limit, the process's own admissions count against it at once, and
 * nothing is refused without an exact count.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PipelineQueues, WAITING_SNAPSHOT_MS } from '@mpp/queue';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-admission-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url, { maxRetriesPerRequest: null });
const monitor = new Redis(url);
let queues: PipelineQueues;

beforeEach(() => {
  queues = new PipelineQueues(redis, `${prefix}-${randomUUID().slice(0, 4)}`);
});

afterAll(async () => {
  const found = await monitor.keys(`${prefix}*`);
  if (found.length) await monitor.del(...found);
  redis.disconnect();
  monitor.disconnect();
});

const addWaiting = (q: PipelineQueues, n: number) => q.queue('A').addBulk(Array.from({ length: n }, (_, i) => ({ name: 'ingestion', data: { i }, opts: { jobId: `j${randomUUID()}-${i}` } })));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('admission under MAX_QUEUE_DEPTH', () => {
  it('admits up to the limit, counting its own admissions before the next count', async () => {
    await addWaiting(queues, 3);
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const answer = await queues.admit(1, 5);
      answers.push(answer);
      if (answer.admitted) await addWaiting(queues, 1); // what the API does next
    }
    expect(answers.map((a) => a.admitted)).toEqual([true, true, false, false]);
    expect(answers[3]!.waiting).toBe(5);
  });

  it('admits a batch only when all of it fits', async () => {
    await addWaiting(queues, 3);
    expect(await queues.admit(3, 5)).toEqual({ admitted: false, waiting: 3 });
    expect(await queues.admit(2, 5)).toEqual({ admitted: true, waiting: 3 });
  });

  it('refuses only on an exact count: jobs that left since the snapshot make room at once', async () => {
    await addWaiting(queues, 4);
    expect((await queues.admit(1, 5)).admitted).toBe(true);
    await queues.queue('A').obliterate({ force: true });
    // The snapshot plus the admission says 5 waiting; the exact count says 0.
    expect(await queues.admit(1, 5)).toEqual({ admitted: true, waiting: 0 });
  });

  it('asks Redis once for many admissions in a snapshot, and again once it is old', async () => {
    await addWaiting(queues, 1);
    const counted = async (work: () => Promise<unknown>) => {
      const before = Number((await monitor.info('stats')).match(/total_commands_processed:(\d+)/)![1]);
      await work();
      return Number((await monitor.info('stats')).match(/total_commands_processed:(\d+)/)![1]) - before;
    };
    const first = await counted(() => queues.admit(1, 1000));
    const burst = await counted(async () => {
      for (let i = 0; i < 20; i++) await queues.admit(1, 1000);
    });
    // One INFO call of the measurement itself; no count script.
    expect(first).toBeGreaterThan(2);
    expect(burst).toBeLessThanOrEqual(1);
    await sleep(WAITING_SNAPSHOT_MS + 50);
    expect(await counted(() => queues.admit(1, 1000))).toBeGreaterThan(2);
  });

  it('shares one count among callers that ask at the same time', async () => {
    await addWaiting(queues, 2);
    const answers = await Promise.all(Array.from({ length: 5 }, () => queues.admit(1, 4)));
    // One count of 2 served all five, and room for two more went to exactly two of them.
    expect(answers.filter((a) => a.admitted)).toHaveLength(2);
    expect(answers.map((a) => a.waiting).sort()).toEqual([2, 3, 4, 4, 4]);
  });
});
