/**
 * Job deadlines: the last guarantee that no job waits forever. Every job gets a deadline when it
 * is submitted (its `timeout_seconds`, or the default); any process may sweep, and a job still
 * queued or running past its deadline fails with code `job_timeout`, naming the stage it was in.
 * Jobs waiting for a person (`awaiting_review`) are not swept: people take their time.
 */
import type { Redis } from 'ioredis';
import { STAGE_IDS } from '@mpp/schemas';
import type { JobStore } from './job-store';
import type { StoreKeys } from './keys';

export class JobDeadlines {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly store: JobStore,
  ) {}

  async set(jobId: string, timeoutSeconds: number): Promise<void> {
    await this.redis.zadd(this.keys.deadlines(), Date.now() + timeoutSeconds * 1000, jobId);
  }

  async clear(jobId: string): Promise<void> {
    await this.redis.zrem(this.keys.deadlines(), jobId);
  }

  /** Fails overdue jobs; returns the ids it failed. Safe to run from many processes at once. */
  async sweep(now = Date.now(), limit = 100): Promise<string[]> {
    const due = await this.redis.zrangebyscore(this.keys.deadlines(), 0, now, 'LIMIT', 0, limit);
    const failed: string[] = [];
    for (const id of due) {
      // ZREM decides which sweeper owns this job: only the one that removed it acts.
      if ((await this.redis.zrem(this.keys.deadlines(), id)) === 0) continue;
      const record = await this.store.get(id);
      if (!record || record.status === 'awaiting_review') continue;
      if (record.status !== 'queued' && record.status !== 'running') continue;
      const stage = STAGE_IDS.find((s) => record.stages[s].status === 'running') ?? STAGE_IDS.find((s) => ['pending', 'queued'].includes(record.stages[s].status)) ?? null;
      const outcome = await this.store.fail(id, { stage, code: 'job_timeout', message: `the job did not finish before its deadline${stage ? ` (it was at stage ${stage})` : ''}` });
      if (outcome === 'applied') failed.push(id);
    }
    return failed;
  }
}
