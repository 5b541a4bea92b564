/**
 * The review backlog the API exports at every scrape (`mathpix_review_backlog_jobs`,
 * `mathpix_review_backlog_oldest_seconds`): the pending tasks and the age of the oldest, whatever
 * its priority band (the pending set is ordered by priority, not by age).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteMatching } from '../../../test/support/redis-keys';
import { createdMsOfScore, priorityScore, ReviewStore, reviewKeys } from '@mpp/review';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `test-review-backlog-${randomUUID().slice(0, 8)}`;
const reviews = new ReviewStore(redis, reviewKeys(prefix), 600);
const T0 = Date.parse('2026-01-18T10:00:00Z');

afterAll(async () => {
  await deleteMatching(redis, `${prefix}:*`);
  redis.disconnect();
});

async function task(confidence: number, createdMs: number): Promise<string> {
  const jobId = randomUUID();
  const reasons = [{ stage: 'B' as const, code: 'low_confidence' as const, message: 'low', refs: [] }];
  await reviews.create({ jobId, review: { job_confidence: confidence, threshold: 0.7, reasons }, imageSha256: null, expiresInMs: 3_600_000 }, createdMs);
  return jobId;
}

describe('ReviewStore.backlog', () => {
  it('reports no jobs and age 0 when nothing waits', async () => {
    expect(await reviews.backlog(T0)).toEqual({ jobs: 0, oldestAgeSeconds: 0 });
  });

  it('finds the oldest pending task in any priority band, escalated or not, until it is decided', async () => {
    const oldestButConfident = await task(0.69, T0);
    await task(0.1, T0 + 1_000); // first in priority order, but younger
    await task(0.5, T0 + 2_000);
    expect(await reviews.backlog(T0 + 10_000)).toEqual({ jobs: 3, oldestAgeSeconds: 10 });

    expect(await reviews.escalate(oldestButConfident)).toBe(true);
    expect(await reviews.backlog(T0 + 10_000)).toEqual({ jobs: 3, oldestAgeSeconds: 10 });

    const decided = await reviews.decide({ taskId: oldestButConfident, status: 'rejected', reviewer: 'test', decision: null, rejectReason: 'unreadable', feedback: [], ignoreLease: true }, T0 + 10_000);
    expect(decided).toEqual({ outcome: 'decided' });
    expect(await reviews.backlog(T0 + 10_000)).toEqual({ jobs: 2, oldestAgeSeconds: 9 });
  });

  it('reads the creation time back from every kind of priority score', () => {
    for (const [confidence, escalated] of [[0, false], [0.42, false], [1, false], [0.3, true]] as const) {
      expect(createdMsOfScore(priorityScore(confidence, T0, escalated))).toBe(T0);
    }
  });
});
