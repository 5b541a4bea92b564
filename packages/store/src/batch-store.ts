/**
 * Batches: one job per item, created together. The batch hash keeps the item job ids in order;
 * each job points back to its batch; a set collects the items that reached a terminal status, so
 * the process that adds the last one (SADD then SCARD in one transaction) knows the batch is
 * complete. Kept as long as job records (`PIPELINE_RESULT_TTL`).
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
   * Marks an item terminal. Returns the batch when this call made it complete (exactly one caller
   * ever gets it), null otherwise.
   */
  async itemFinished(jobId: string): Promise<BatchRecord | null> {
    const batchId = await this.batchOf(jobId);
    if (!batchId) return null;
    const batch = await this.get(batchId);
    if (!batch) return null;
    const done = this.doneKey(batchId);
    const result = await this.redis.multi().sadd(done, jobId).scard(done).expire(done, this.ttlSeconds).exec();
    const added = Number(result?.[0]?.[1] ?? 0);
    const count = Number(result?.[1]?.[1] ?? 0);
    if (added !== 1 || count !== batch.job_ids.length) return null;
    const completed_at = new Date().toISOString();
    await this.redis.hset(this.batchKey(batchId), 'completed_at', completed_at);
    return { ...batch, completed_at };
  }
}
