/**
 * Jobs that may still owe a webhook event. Status listeners run in the process that applied the
 * change, after it is committed, so a crash at that moment would lose the event; the watch is the
 * durable note that makes it recoverable. A job is added when it is created (before any status
 * change can happen), scored by when the sweeper should look at it; the listener removes it once
 * the job's end has been turned into its deliveries; the sweeper replays the ones still there
 * (`WebhookSweeper`). One sorted set, `<prefix>:webhooks:watch`.
 */
import type { Redis } from 'ioredis';
import { webhookKeys } from './delivery-store';

export interface WatchSettings {
  /** Without a secret nothing is ever sent, so nothing is watched. */
  secret?: string;
  defaultUrl?: string;
}

/** How long after creation the sweeper first looks at a job (it reschedules unfinished ones). */
export const FIRST_LOOK_MS = 60_000;

export class EmissionWatch {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly settings: WatchSettings,
  ) {
    this.key = webhookKeys(prefix).watch();
  }

  /** Notes a new job when an event of it could be sent (a secret and a target). Call before it can change. */
  async watchJob(jobId: string, webhookUrl: string | undefined, now = Date.now()): Promise<void> {
    if (!this.settings.secret || !(webhookUrl ?? this.settings.defaultUrl)) return;
    await this.redis.zadd(this.key, 'NX', now + FIRST_LOOK_MS, jobId);
  }

  /** Jobs the sweeper should look at by `now` (ms), oldest first. */
  async due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, '-inf', now, 'LIMIT', 0, limit);
  }

  async lookAgainAt(jobId: string, at: number): Promise<void> {
    await this.redis.zadd(this.key, 'XX', at, jobId);
  }

  /** The job's end became its deliveries (or it is gone): nothing more to recover. */
  async forget(jobId: string): Promise<void> {
    await this.redis.zrem(this.key, jobId);
  }
}
