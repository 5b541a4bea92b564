/**
 * Delivery records in Redis: one hash per delivery (`<prefix>:webhooks:delivery:<id>`) holding
 * the exact body, the target, attempts and the last error, and one sorted set per status
 * (`pending`, `delivered`, `failed`) for listing. A `failed` delivery is the dead letter: it
 * stays, with its attempts and last error, until redelivered or expired (`PIPELINE_RESULT_TTL`).
 */
import type { Redis } from 'ioredis';
import type { WebhookEventType } from './events';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRecord {
  id: string;
  type: WebhookEventType;
  subject_id: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  next_attempt_at: string | null;
  delivered_at: string | null;
  redeliveries: number;
}

export interface WebhookKeys {
  delivery(id: string): string;
  byStatus(status: DeliveryStatus): string;
  emitted(subjectId: string, type: string): string;
}

export function webhookKeys(prefix: string): WebhookKeys {
  return {
    delivery: (id) => `${prefix}:webhooks:delivery:${id}`,
    byStatus: (status) => `${prefix}:webhooks:${status}`,
    emitted: (subjectId, type) => `${prefix}:webhooks:emitted:${subjectId}:${type}`,
  };
}

export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: WebhookKeys,
    private readonly ttlSeconds: number,
  ) {}

  /** Claims the right to emit `type` for a subject once; false when another process already did. */
  async claimEmission(subjectId: string, type: string): Promise<boolean> {
    return (await this.redis.set(this.keys.emitted(subjectId, type), '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }

  async create(input: { id: string; type: WebhookEventType; subject_id: string; url: string; body: string }): Promise<DeliveryRecord> {
    const now = new Date().toISOString();
    const record: DeliveryRecord = { ...input, status: 'pending', attempts: 0, last_status_code: null, last_error: null, created_at: now, updated_at: now, next_attempt_at: now, delivered_at: null, redeliveries: 0 };
    await this.write(record, null);
    return record;
  }

  async get(id: string): Promise<DeliveryRecord | null> {
    const h = await this.redis.hgetall(this.keys.delivery(id));
    if (!h.id) return null;
    return {
      id: h.id,
      type: h.type as WebhookEventType,
      subject_id: h.subject_id!,
      url: h.url!,
      body: h.body!,
      status: h.status as DeliveryStatus,
      attempts: Number(h.attempts ?? 0),
      last_status_code: h.last_status_code ? Number(h.last_status_code) : null,
      last_error: h.last_error || null,
      created_at: h.created_at!,
      updated_at: h.updated_at!,
      next_attempt_at: h.next_attempt_at || null,
      delivered_at: h.delivered_at || null,
      redeliveries: Number(h.redeliveries ?? 0),
    };
  }

  /** Records one attempt's outcome and moves the delivery between the status sets. */
  async recordAttempt(id: string, update: { attempts: number; status: DeliveryStatus; statusCode: number | null; error: string | null; nextAttemptAt: Date | null }): Promise<DeliveryRecord | null> {
    const current = await this.get(id);
    if (!current) return null;
    const now = new Date().toISOString();
    const next: DeliveryRecord = {
      ...current,
      attempts: update.attempts,
      status: update.status,
      last_status_code: update.statusCode,
      last_error: update.error,
      updated_at: now,
      next_attempt_at: update.nextAttemptAt ? update.nextAttemptAt.toISOString() : null,
      delivered_at: update.status === 'delivered' ? now : current.delivered_at,
    };
    await this.write(next, current.status);
    return next;
  }

  /** Puts a delivery back to `pending` for another round of attempts (same id, same body). */
  async reopen(id: string): Promise<DeliveryRecord | null> {
    const current = await this.get(id);
    if (!current) return null;
    const now = new Date().toISOString();
    const next: DeliveryRecord = { ...current, status: 'pending', updated_at: now, next_attempt_at: now, redeliveries: current.redeliveries + 1 };
    await this.write(next, current.status);
    return next;
  }

  /** Newest first; entries whose record expired are dropped from the set on the way. */
  async list(status: DeliveryStatus, limit = 50, offset = 0): Promise<{ deliveries: DeliveryRecord[]; total: number }> {
    const set = this.keys.byStatus(status);
    const [ids, total] = await Promise.all([this.redis.zrevrange(set, offset, offset + limit - 1), this.redis.zcard(set)]);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    const expired = ids.filter((_, i) => !records[i]);
    if (expired.length) await this.redis.zrem(set, ...expired);
    return { deliveries: records.filter((r): r is DeliveryRecord => r !== null && r.status === status), total };
  }

  private async write(record: DeliveryRecord, previous: DeliveryStatus | null): Promise<void> {
    const key = this.keys.delivery(record.id);
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) fields[k] = v === null ? '' : String(v);
    const tx = this.redis.multi().hset(key, fields).expire(key, this.ttlSeconds);
    if (previous && previous !== record.status) tx.zrem(this.keys.byStatus(previous), record.id);
    tx.zadd(this.keys.byStatus(record.status), Date.parse(record.updated_at), record.id);
    await tx.exec();
  }
}
