/**
 * Webhooks end to end, without the queue: turns job status changes (and completed batches) into
 * exactly one delivery per event, runs one delivery attempt for the queue's consumer, and replays
 * dead letters. The queue itself is injected (`enqueue`), so this package needs no bullmq.
 *
 * Exactly once per event: terminal job statuses are applied once by the store's script, and on
 * top of that each (subject, event) is claimed with `SET NX` before its delivery is created, so a
 * retried stage H or two racing processes never emit twice. The delivery id is the
 * `webhook-id`, the same on every retry and redelivery, so receivers can drop duplicates.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { JobStatus } from '@mpp/schemas';
import { backoffDelayMs } from './backoff';
import { attemptDelivery } from './deliver';
import { DeliveryStore, webhookKeys, type DeliveryRecord } from './delivery-store';
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

export interface WebhookServiceOptions {
  redis: Redis;
  prefix: string;
  settings: WebhookSettings;
  jobs: { get(id: string): Promise<{ webhook_url: string | null } | null> };
  batches: { itemFinished(jobId: string): Promise<{ id: string; webhook_url: string | null } | null> };
  /** Adds a round of attempts for a delivery to the queue (`round` 0 first, n for redelivery n). */
  enqueue: (deliveryId: string, round: number) => Promise<void>;
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
  private readonly signer?: WebhookSigner;

  constructor(private readonly opts: WebhookServiceOptions) {
    this.deliveries = new DeliveryStore(opts.redis, webhookKeys(opts.prefix), opts.settings.ttlSeconds);
    if (opts.settings.secret) this.signer = new WebhookSigner(opts.settings.secret);
  }

  /** The `JobStore.onStatus` listener. Never throws: a webhook problem must not fail a job. */
  readonly onJobStatus = async (jobId: string, status: JobStatus): Promise<void> => {
    try {
      const type = JOB_STATUS_EVENTS[status];
      if (type) {
        const job = await this.opts.jobs.get(jobId);
        const url = job?.webhook_url ?? this.opts.settings.defaultUrl;
        if (url) await this.emit(type, jobId, url, jobPayload(type, jobId, status, this.opts.settings.publicBaseUrl));
      }
      if (TERMINAL.includes(status)) {
        const batch = await this.opts.batches.itemFinished(jobId);
        const url = batch ? (batch.webhook_url ?? this.opts.settings.defaultUrl) : undefined;
        if (batch && url) await this.emit('batch.completed', batch.id, url, batchPayload(batch.id, this.opts.settings.publicBaseUrl));
      }
    } catch (err) {
      this.opts.logger?.error({ err, job_id: jobId, status }, 'webhook emission failed');
    }
  };

  /** Creates and enqueues one delivery for (subject, event), once. Returns it, or null if not sent. */
  async emit(type: WebhookEventType, subjectId: string, url: string, payload: WebhookPayload): Promise<DeliveryRecord | null> {
    if (!this.signer) {
      this.opts.logger?.warn({ type, subject_id: subjectId }, 'WEBHOOK_SECRET is not set: webhook not sent');
      return null;
    }
    if (!(await this.deliveries.claimEmission(subjectId, type))) return null;
    const record = await this.deliveries.create({ id: `msg_${randomUUID().replace(/-/g, '')}`, type, subject_id: subjectId, url, body: JSON.stringify(payload) });
    await this.opts.enqueue(record.id, 0);
    return record;
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
    await this.opts.enqueue(id, reopened.redeliveries);
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
