/**
 * Delivery records in Redis: one hash per delivery (`<prefix>:webhooks:delivery:<id>`) holding
 * the exact body, the target, attempts and the last error, and one sorted set per status
 * (`pending`, `delivered`, `failed`) for listing. A `failed` delivery is the dead letter: it
 * stays, with its attempts and last error, until redelivered or expired (`PIPELINE_RESULT_TTL`).
 *
 * A pending delivery is also in `<prefix>:webhooks:due`, scored by when its next attempt is due,
 * so the sweeper can find the ones whose queue job was lost. The claim of an event
 * (`emitted:<subject>:<type>`) holds the id of its delivery and is written in the same script as
 * the record: there is never a claim without a delivery, nor two deliveries for one event.
 */
import type { Redis } from 'ioredis';
import type { WebhookEventType } from './events';

/**
 * createDelivery
 * KEYS[1] emitted claim   KEYS[2] delivery hash   KEYS[3] pending set   KEYS[4] due set
 * ARGV[1] delivery id   ARGV[2] ttl seconds   ARGV[3] score (ms)   ARGV[4..] field, value, ...
 * Returns the id of the delivery that holds the claim: ARGV[1] when this call created it.
 */
const CREATE_DELIVERY = `
local existing = redis.call('GET', KEYS[1])
if existing then return existing end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return ARGV[1]
`;

interface CreateDeliveryCommand {
  mppCreateDelivery(...args: string[]): Promise<string>;
}

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
  /** Pending deliveries by when their next attempt is due. */
  due(): string;
  /** Jobs that may still owe an event (`EmissionWatch`). */
  watch(): string;
  sweepLock(): string;
}

export function webhookKeys(prefix: string): WebhookKeys {
  return {
    delivery: (id) => `${prefix}:webhooks:delivery:${id}`,
    byStatus: (status) => `${prefix}:webhooks:${status}`,
    emitted: (subjectId, type) => `${prefix}:webhooks:emitted:${subjectId}:${type}`,
    due: () => `${prefix}:webhooks:due`,
    watch: () => `${prefix}:webhooks:watch`,
    sweepLock: () => `${prefix}:webhooks:sweep-lock`,
  };
}

export class DeliveryStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: WebhookKeys,
    private readonly ttlSeconds: number,
  ) {
    if (!('mppCreateDelivery' in redis)) redis.defineCommand('mppCreateDelivery', { numberOfKeys: 4, lua: CREATE_DELIVERY });
  }

  /**
   * Creates the one delivery of (subject, event) and claims the event, atomically. Returns it with
   * `created`, or the delivery that already holds the claim; null when the claim names no delivery
   * (claims written before they held one, or a delivery that expired).
   */
  async createOnce(input: { id: string; type: WebhookEventType; subject_id: string; url: string; body: string }): Promise<{ record: DeliveryRecord; created: boolean } | null> {
    const now = new Date().toISOString();
    const record: DeliveryRecord = { ...input, status: 'pending', attempts: 0, last_status_code: null, last_error: null, created_at: now, updated_at: now, next_attempt_at: now, delivered_at: null, redeliveries: 0 };
    const fields = Object.entries(record).flatMap(([k, v]) => [k, v === null ? '' : String(v)]);
    const holder = await (this.redis as unknown as CreateDeliveryCommand).mppCreateDelivery(
      this.keys.emitted(input.subject_id, input.type),
      this.keys.delivery(input.id),
      this.keys.byStatus('pending'),
      this.keys.due(),
      input.id,
      String(this.ttlSeconds),
      String(Date.parse(now)),
      ...fields,
    );
    if (holder === input.id) return { record, created: true };
    const existing = holder.startsWith('msg_') ? await this.get(holder) : null;
    return existing ? { record: existing, created: false } : null;
  }

  /** Pending deliveries whose next attempt was due before `before` (ms), oldest first. */
  async overdue(before: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.due(), '-inf', before, 'LIMIT', 0, limit);
  }

  /** Looks at a pending delivery again no earlier than `at` (ms); its next attempt moves it anyway. */
  async recheckAt(id: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.due(), 'XX', at, id);
  }

  async dropDue(id: string): Promise<void> {
    await this.redis.zrem(this.keys.due(), id);
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
    if (record.status === 'pending') tx.zadd(this.keys.due(), Date.parse(record.next_attempt_at ?? record.updated_at), record.id);
    else tx.zrem(this.keys.due(), record.id);
    await tx.exec();
  }
}
