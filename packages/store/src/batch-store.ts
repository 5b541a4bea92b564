/**
 * Batches: one job per item, created together. The batch hash keeps the item job ids in order;
 * each job points back to its batch; a set collects the items that reached a terminal status, so
 * whoever adds or replays an item once the set is full (SADD then SCARD in one transaction) knows
 * the batch is complete. Kept as long as job records (`PIPELINE_RESULT_TTL`).
 */
import type { Redis } from 'ioredis';

export interface BatchRecord {
  id: string;
  created_at: string;
  job_ids: string[];
  webhook_url: string | null;
  completed_at: string | null;
}

export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private batchKey(id: string): string {
    return `${this.prefix}:batch:${id}`;
  }

  private doneKey(id: string): string {
    return `${this.prefix}:batch:${id}:done`;
  }

  private memberKey(jobId: string): string {
    return `${this.prefix}:job-batch:${jobId}`;
  }

  /** Records the batch and every item's membership before any item is enqueued. */
  async create(batch: { id: string; job_ids: string[]; webhook_url?: string }): Promise<BatchRecord> {
    const created_at = new Date().toISOString();
    const key = this.batchKey(batch.id);
    const tx = this.redis.multi().hset(key, { id: batch.id, created_at, job_ids: JSON.stringify(batch.job_ids), webhook_url: batch.webhook_url ?? '' }).expire(key, this.ttlSeconds);
    for (const jobId of batch.job_ids) tx.set(this.memberKey(jobId), batch.id, 'EX', this.ttlSeconds);
    await tx.exec();
    return { id: batch.id, created_at, job_ids: batch.job_ids, webhook_url: batch.webhook_url ?? null, completed_at: null };
  }

  async get(id: string): Promise<BatchRecord | null> {
    const h = await this.redis.hgetall(this.batchKey(id));
    if (!h.id) return null;
    return { id: h.id, created_at: h.created_at!, job_ids: JSON.parse(h.job_ids ?? '[]') as string[], webhook_url: h.webhook_url || null, completed_at: h.completed_at || null };
  }

  async batchOf(jobId: string): Promise<string | null> {
    return this.redis.get(this.memberKey(jobId));
  }

  /**
   * Marks an item terminal (idempotent). Returns the batch when every item has ended, to each
   * call made for one of its items from then on, null otherwise: a process that died between
   * marking the last item and emitting `batch.completed` can be replayed, and the webhooks' claim
   * on (batch, event) keeps the event to one delivery. `completed_at` is set once.
   */
  async itemFinished(jobId: string): Promise<BatchRecord | null> {
    const batchId = await this.batchOf(jobId);
    if (!batchId) return null;
    const batch = await this.get(batchId);
    if (!batch) return null;
    const done = this.doneKey(batchId);
    const result = await this.redis.multi().sadd(done, jobId).scard(done).expire(done, this.ttlSeconds).exec();
    const count = Number(result?.[1]?.[1] ?? 0);
    if (count !== batch.job_ids.length) return null;
    const key = this.batchKey(batchId);
    const stamped = await this.redis.multi().hsetnx(key, 'completed_at', new Date().toISOString()).hget(key, 'completed_at').exec();
    return { ...batch, completed_at: String(stamped?.[1]?.[1] ?? '') || null };
  }
}
