/**
 * Webhooks end to end, without the queue: turns job status changes (and completed batches) into
 * exactly one delivery per event, runs one delivery attempt for the queue's consumer, and replays
 * dead letters. The queue itself is injected (`queue`), so this package needs no bullmq.
 *
 * Exactly once per event: terminal job statuses are applied once by the store's script, and on
 * top of that each (subject, event) is claimed in the same Redis script that creates its delivery,
 * so a retried stage H, two racing processes or a sweeper replaying a job never emit twice, and a
 * claim never exists without its delivery. The delivery id is the `webhook-id`, the same on every
 * retry and redelivery, so receivers can drop duplicates.
 *
 * Durable: a job is watched from its creation (`EmissionWatch`) until its end has been turned into
 * deliveries, and a pending delivery is findable by when it is due, so `WebhookSweeper` recovers
 * what a crash or a failed enqueue left behind.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobStatus } from '@mpp/schemas';
import { backoffDelayMs } from './backoff';
import { attemptDelivery } from './deliver';
import { DeliveryStore, webhookKeys, type DeliveryRecord } from './delivery-store';
import { EmissionWatch } from './emission-watch';
import { batchPayload, JOB_STATUS_EVENTS, jobPayload, type WebhookEventType, type WebhookPayload } from './events';
import { WebhookSigner } from './signer';

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export type DeliveryOutcome = 'delivered' | 'retry' | 'dead_lettered';

export interface WebhookSettings {
  /** `WEBHOOK_SECRET`; without it nothing is sent (unsigned webhooks are never sent). */
  secret?: string;
  /** `WEBHOOK_DEFAULT_URL`: used when a job (or batch) has no `webhook_url` of its own. */
  defaultUrl?: string;
  /** `PUBLIC_BASE_URL`: makes the payload's links absolute. */
  publicBaseUrl?: string;
  allowPrivateUrls: boolean;
  timeoutMs: number;
  backoffBaseMs: number;
  ttlSeconds: number;
}

interface LoggerLike {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The delivery queue as far as the service needs it (`WebhookQueue` of @mpp/queue is one). */
export interface DeliveryQueue {
  /** Adds a round of attempts for a delivery (`round` 0 first, n for redelivery n); a duplicate add of a live round is ignored. */
  add(deliveryId: string, round: number): Promise<void>;
  /** `live` while waiting, delayed or active; `finished` once completed or failed; `missing` when the queue has no such job. */
  state(deliveryId: string, round: number): Promise<'live' | 'finished' | 'missing'>;
  /** Removes a finished round so it can be added again. */
  remove(deliveryId: string, round: number): Promise<void>;
}

export interface WebhookServiceOptions {
  redis: Redis;
  prefix: string;
  settings: WebhookSettings;
  jobs: { get(id: string): Promise<{ webhook_url: string | null; status: JobStatus; updated_at: string } | null> };
  batches: { itemFinished(jobId: string): Promise<{ id: string; webhook_url: string | null } | null> };
  queue: DeliveryQueue;
  onOutcome?: (event: WebhookEventType, outcome: DeliveryOutcome) => void;
  logger?: LoggerLike;
}

export class WebhookAttemptError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryDelayMs?: number,
  ) {
    super(message);
    this.name = 'WebhookAttemptError';
  }
}

export class WebhookService {
  readonly deliveries: DeliveryStore;
  readonly watch: EmissionWatch;
  private readonly signer?: WebhookSigner;

  constructor(readonly opts: WebhookServiceOptions) {
    this.deliveries = new DeliveryStore(opts.redis, webhookKeys(opts.prefix), opts.settings.ttlSeconds);
    this.watch = new EmissionWatch(opts.redis, opts.prefix, opts.settings);
    if (opts.settings.secret) this.signer = new WebhookSigner(opts.settings.secret);
  }

  /** The `JobStore.onStatus` listener. Never throws: a webhook problem must not fail a job. */
  readonly onJobStatus = async (jobId: string, status: JobStatus, record?: { webhook_url: string | null }): Promise<void> => {
    try {
      await this.settle(jobId, status, record);
    } catch (err) {
      // The job stays watched: the sweeper replays it.
      this.opts.logger?.error({ err, job_id: jobId, status }, 'webhook emission failed');
    }
  };

  /**
   * Turns one status of a job into its deliveries (its own event; for an end, the batch's when it
   * completes it) and, for an end, stops watching the job. Idempotent, so the sweeper may replay
   * it; returns how many deliveries it created; throws, leaving the job watched, when Redis fails.
   */
  async settle(jobId: string, status: JobStatus, record?: { webhook_url: string | null }): Promise<number> {
    let created = 0;
    const type = JOB_STATUS_EVENTS[status];
    const terminal = TERMINAL.includes(status);
    // The job's webhook URL (from the record the change read back, when it did) and, for an end,
    // the batch check go out side by side: this runs inside the slot of the stage that ended the job.
    const [job, batch] = await Promise.all([
      !type ? null : record ?? this.opts.jobs.get(jobId),
      terminal ? this.opts.batches.itemFinished(jobId) : null,
    ]);
    if (type) {
      const url = job?.webhook_url ?? this.opts.settings.defaultUrl;
      if (url && (await this.emitOnce(type, jobId, url, jobPayload(type, jobId, status, this.opts.settings.publicBaseUrl)))?.created) created++;
    }
    if (!terminal) return created;
    const url = batch ? (batch.webhook_url ?? this.opts.settings.defaultUrl) : undefined;
    if (batch && url && (await this.emitOnce('batch.completed', batch.id, url, batchPayload(batch.id, this.opts.settings.publicBaseUrl)))?.created) created++;
    await this.watch.forget(jobId);
    return created;
  }

  /** Creates and enqueues one delivery for (subject, event), once. Returns it (also when an earlier emission made it), or null if not sent. */
  async emit(type: WebhookEventType, subjectId: string, url: string, payload: WebhookPayload): Promise<DeliveryRecord | null> {
    return (await this.emitOnce(type, subjectId, url, payload))?.record ?? null;
  }

  /**
   * A failed enqueue is logged, not thrown: the delivery is already recorded and due, and the
   * sweeper adds it to the queue.
   */
  private async emitOnce(type: WebhookEventType, subjectId: string, url: string, payload: WebhookPayload): Promise<{ record: DeliveryRecord; created: boolean } | null> {
    if (!this.signer) {
      this.opts.logger?.warn({ type, subject_id: subjectId }, 'WEBHOOK_SECRET is not set: webhook not sent');
      return null;
    }
    const made = await this.deliveries.createOnce({ id: `msg_${randomUUID().replace(/-/g, '')}`, type, subject_id: subjectId, url, body: JSON.stringify(payload) });
    if (made?.created) {
      await this.opts.queue.add(made.record.id, 0).catch((err: unknown) => this.opts.logger?.error({ err, delivery_id: made.record.id }, 'webhook enqueue failed; the sweeper will add it'));
    }
    return made;
  }

  /**
   * One attempt, called by the queue's consumer. Resolves when delivered (or nothing is left to
   * deliver); throws `WebhookAttemptError` carrying the delay before the next attempt, or
   * `permanent` when retrying is pointless. The last failed attempt dead-letters the delivery.
   */
  async attempt(info: { deliveryId: string; attempt: number; maxAttempts: number }): Promise<void> {
    const record = await this.deliveries.get(info.deliveryId);
    if (!record || record.status !== 'pending') return;
    if (!this.signer) throw new WebhookAttemptError('WEBHOOK_SECRET is not set', false, this.backoff(info.attempt));
    const headers = this.signer.sign(record.id, record.body);
    const outcome = await attemptDelivery(record.url, record.body, headers, { timeoutMs: this.opts.settings.timeoutMs, allowPrivateUrls: this.opts.settings.allowPrivateUrls });
    const attempts = record.attempts + 1;
    if (outcome.ok) {
      await this.deliveries.recordAttempt(record.id, { attempts, status: 'delivered', statusCode: outcome.statusCode, error: null, nextAttemptAt: null });
      this.opts.onOutcome?.(record.type, 'delivered');
      return;
    }
    const final = outcome.permanent || info.attempt >= info.maxAttempts;
    const delay = outcome.retryAfterMs ?? this.backoff(info.attempt);
    await this.deliveries.recordAttempt(record.id, {
      attempts,
      status: final ? 'failed' : 'pending',
      statusCode: outcome.statusCode,
      error: outcome.permanent && outcome.statusCode === 410 ? 'HTTP 410 Gone: receiver asked to stop' : outcome.error,
      nextAttemptAt: final ? null : new Date(Date.now() + delay),
    });
    this.opts.onOutcome?.(record.type, final ? 'dead_lettered' : 'retry');
    throw new WebhookAttemptError(`webhook ${record.id} to ${redact(record.url)}: ${outcome.error}`, outcome.permanent, delay);
  }

  /** Replays a delivery (dead-lettered or delivered) with the same id and body: a new round of attempts. */
  async redeliver(id: string): Promise<DeliveryRecord | null | 'pending'> {
    const current = await this.deliveries.get(id);
    if (!current) return null;
    if (current.status === 'pending') return 'pending';
    const reopened = await this.deliveries.reopen(id);
    if (!reopened) return null;
    // Reopened means due now: should this add fail, the sweeper adds the round.
    await this.opts.queue.add(id, reopened.redeliveries);
    return reopened;
  }

  backoff(retry: number): number {
    return backoffDelayMs(retry, this.opts.settings.backoffBaseMs);
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = u.search ? '?…' : '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
