/**
 * Job deadlines: the last guarantee that no job waits forever. Every job gets a deadline when it
 * is submitted (its `timeout_seconds`, or the default); any process may sweep, and a job still
 * queued or running past its deadline fails with code `job_timeout`, naming the stage it was in.
 * Jobs waiting for a person (`awaiting_review`) are not swept: people take their time.
 *
 * A sweeper claims an overdue entry by moving its score a lease into the future (one script, so
 * exactly one of many sweepers wins), acts, and only then removes it, and only if the score is
 * still its lease. A sweeper that crashes or loses Redis between the two leaves the entry to come
 * due again when the lease ends; a deadline set anew meanwhile (a job resumed after review) stays.
 */
import type { Redis } from 'ioredis';
import { STAGE_IDS } from '@mpp/schemas';
import type { JobStore } from './job-store';
import type { StoreKeys } from './keys';

/** KEYS[1] deadlines; ARGV: id, now, lease-until. 1 when this caller now owns the overdue entry. */
const CLAIM_DEADLINE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0`;

/** KEYS[1] deadlines; ARGV: id, lease-until. Removes the entry only if it is still that claim. */
const RELEASE_DEADLINE = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`;

type DeadlineCommands = {
  mppClaimDeadline(key: string, id: string, now: number, leaseUntil: number): Promise<number>;
  mppReleaseDeadline(key: string, id: string, leaseUntil: number): Promise<number>;
};

export class JobDeadlines {
  private readonly commands: DeadlineCommands;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly store: JobStore,
    /** How long a claimed entry is held before another sweeper may take it again. */
    private readonly leaseMs = 60_000,
  ) {
    if (!('mppClaimDeadline' in redis)) {
      redis.defineCommand('mppClaimDeadline', { numberOfKeys: 1, lua: CLAIM_DEADLINE });
      redis.defineCommand('mppReleaseDeadline', { numberOfKeys: 1, lua: RELEASE_DEADLINE });
    }
    this.commands = redis as unknown as DeadlineCommands;
  }

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
      const leaseUntil = now + this.leaseMs;
      if ((await this.commands.mppClaimDeadline(this.keys.deadlines(), id, now, leaseUntil)) === 0) continue;
      const record = await this.store.get(id);
      if (record && (record.status === 'queued' || record.status === 'running')) {
        const stage = STAGE_IDS.find((s) => record.stages[s].status === 'running') ?? STAGE_IDS.find((s) => ['pending', 'queued'].includes(record.stages[s].status)) ?? null;
        const outcome = await this.store.fail(id, { stage, code: 'job_timeout', message: `the job did not finish before its deadline${stage ? ` (it was at stage ${stage})` : ''}` });
        if (outcome === 'applied') failed.push(id);
      }
      // Finished, waiting for a person, gone, or failed just now: the entry has done its work.
      await this.commands.mppReleaseDeadline(this.keys.deadlines(), id, leaseUntil);
    }
    return failed;
  }
}
