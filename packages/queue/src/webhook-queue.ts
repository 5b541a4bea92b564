/**
 * The webhook delivery queue (`webhooks`, under the same bull prefix as the stage queues). The
 * queue layer knows nothing of HTTP: producers add a delivery id, the consumer calls the injected
 * `attempt` for it. An attempt that throws is retried after the delay it carries (`retryDelayMs`:
 * the receiver's `Retry-After`, or backoff with jitter), else the injected backoff; an error with
 * `permanent = true` ends the delivery at once (BullMQ `UnrecoverableError`).
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix } from './names';
import { queueTelemetry } from './telemetry';

export const WEBHOOK_QUEUE_NAME = 'webhooks';

export interface WebhookJobData {
  deliveryId: string;
}

export interface WebhookAttemptInfo {
  deliveryId: string;
  /** 1-based number of this attempt within the current round. */
  attempt: number;
  maxAttempts: number;
}

/** What `attempt` throws to ask for a retry after `retryDelayMs` (or, with `permanent`, for none). */
export interface WebhookAttemptFailure extends Error {
  retryDelayMs?: number;
  permanent?: boolean;
}

export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>;

  constructor(
    connection: Redis,
    redisPrefix: string,
    private readonly maxAttempts: number,
  ) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE_NAME, { connection, prefix: bullPrefix(redisPrefix), telemetry: queueTelemetry() });
    // Connection errors are the shared connection's, logged by its own listener (reportRedisErrors).
    this.queue.on('error', () => undefined);
  }

  /**
   * Adds one round of attempts for a delivery. `round` makes the BullMQ job id unique per round
   * (0 for the first, n for the n-th redelivery), so a racing duplicate add of the same round is
   * ignored by BullMQ.
   */
  async add(deliveryId: string, round = 0): Promise<void> {
    await this.queue.add(
      'deliver',
      { deliveryId },
      {
        jobId: roundJobId(deliveryId, round),
        attempts: this.maxAttempts,
        backoff: { type: 'webhook' },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 24 * 3600, count: 5000 },
      },
    );
  }

  /**
   * Where a round is, for the sweeper that finds lost ones: `live` (waiting, delayed, active,
   * prioritised), `finished` (completed or failed, kept a while), or `missing`.
   */
  async state(deliveryId: string, round = 0): Promise<'live' | 'finished' | 'missing'> {
    const state = await this.queue.getJobState(roundJobId(deliveryId, round));
    if (state === 'unknown') return 'missing';
    return state === 'completed' || state === 'failed' ? 'finished' : 'live';
  }

  /** Removes a finished round, so the same round can be added again (BullMQ ignores an add of an id it holds). */
  async remove(deliveryId: string, round = 0): Promise<void> {
    await this.queue.remove(roundJobId(deliveryId, round));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function roundJobId(deliveryId: string, round: number): string {
  return round === 0 ? deliveryId : `${deliveryId}.r${round}`;
}

export interface WebhookWorkerOptions {
  connection: Redis;
  redisPrefix: string;
  concurrency: number;
  attempt: (info: WebhookAttemptInfo) => Promise<void>;
  /** Delay before retry number `retry` (1 = the first retry) when the receiver asked for none. */
  backoffMs: (retry: number) => number;
  onError?: (err: Error) => void;
}

export class WebhookWorker {
  private readonly worker: Worker<WebhookJobData>;

  constructor(opts: WebhookWorkerOptions) {
    this.worker = new Worker<WebhookJobData>(
      WEBHOOK_QUEUE_NAME,
      async (job: Job<WebhookJobData>) => {
        try {
          await opts.attempt({ deliveryId: job.data.deliveryId, attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });
        } catch (err) {
          if ((err as WebhookAttemptFailure).permanent) throw new UnrecoverableError((err as Error).message);
          throw err;
        }
      },
      {
        connection: opts.connection,
        prefix: bullPrefix(opts.redisPrefix),
        concurrency: opts.concurrency,
        telemetry: queueTelemetry(),
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => {
            const asked = (err as WebhookAttemptFailure | undefined)?.retryDelayMs;
            return typeof asked === 'number' && asked >= 0 ? asked : opts.backoffMs(attemptsMade);
          },
        },
      },
    );
    this.worker.on('error', (err) => opts.onError?.(err));
  }

  get running(): boolean {
    return this.worker.isRunning();
  }

  async close(): Promise<void> {
    await this.worker.close();
  }
}
