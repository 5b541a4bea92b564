/**
 * Recovers what a crash or a Redis hiccup left between a status change and its webhook:
 *
 * (a) a pending delivery overdue by more than the grace period whose queue job is missing (an
 *     enqueue that failed after the delivery was recorded, a redelivery whose add failed) or
 *     finished while the record still says pending: it is added to the queue again, same id;
 * (b) a watched job that reached an end (or awaits review) longer ago than the grace period and
 *     whose listener never finished (the process died between committing the status and emitting):
 *     its status is replayed through `WebhookService.settle`, which emits only what was not yet.
 *
 * Workers run it every `intervalMs`; a Redis lock (`SET NX PX`) lets one process sweep per
 * interval fleet-wide. Everything it does is idempotent, so a second sweeper racing it (a lock
 * that expired mid-sweep) costs work, never a duplicate webhook.
 */
import { randomUUID } from 'node:crypto';
import type { JobStatus } from '@mpp/schemas';
import { FIRST_LOOK_MS } from './emission-watch';
import type { WebhookService } from './service';

const ENDED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface SweeperOptions {
  /** How long after it was due (or its status changed) something counts as lost. */
  graceMs?: number;
  /** How soon a job still running, or a delivery still queued, is looked at again. */
  recheckMs?: number;
  /** Most deliveries and jobs looked at per sweep (each). */
  batchSize?: number;
  intervalMs?: number;
}

export interface SweepResult {
  /** Deliveries added to the queue again. */
  requeued: string[];
  /** Jobs whose replayed status made deliveries that were missing. */
  replayed: string[];
}

interface LoggerLike {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export class WebhookSweeper {
  private readonly graceMs: number;
  private readonly recheckMs: number;
  private readonly batchSize: number;
  readonly intervalMs: number;

  constructor(
    private readonly service: WebhookService,
    options: SweeperOptions = {},
  ) {
    this.graceMs = options.graceMs ?? FIRST_LOOK_MS;
    this.recheckMs = options.recheckMs ?? FIRST_LOOK_MS;
    this.batchSize = options.batchSize ?? 200;
    this.intervalMs = options.intervalMs ?? 15_000;
  }

  async sweep(now = Date.now()): Promise<SweepResult> {
    return { requeued: await this.requeueLost(now), replayed: await this.replayUnsettled(now) };
  }

  /** Sweeps every interval when this process holds the fleet-wide lock; returns the stop function. */
  start(logger?: LoggerLike): () => void {
    const { redis } = this.service.opts;
    const lock = this.service.deliveries.keys.sweepLock();
    const timer = setInterval(() => {
      void (async () => {
        // Held for one interval and never released: at most one sweep per interval, fleet-wide.
        if ((await redis.set(lock, randomUUID(), 'PX', this.intervalMs, 'NX')) !== 'OK') return;
        const { requeued, replayed } = await this.sweep();
        if (requeued.length || replayed.length) logger?.warn({ requeued, replayed }, 'webhook sweeper recovered lost deliveries');
      })().catch((err: unknown) => logger?.error({ err }, 'webhook sweep failed'));
    }, this.intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async requeueLost(now: number): Promise<string[]> {
    const { deliveries, opts } = this.service;
    const requeued: string[] = [];
    for (const id of await deliveries.overdue(now - this.graceMs, this.batchSize)) {
      const record = await deliveries.get(id);
      if (!record || record.status !== 'pending') {
        await deliveries.dropDue(id);
        continue;
      }
      const round = record.redeliveries;
      const state = await opts.queue.state(id, round);
      if (state !== 'live') {
        // A round that finished writes its outcome first: read again before judging it lost.
        const fresh = state === 'finished' ? await deliveries.get(id) : record;
        if (fresh?.status === 'pending') {
          if (state === 'finished') await opts.queue.remove(id, round);
          await opts.queue.add(id, round);
          requeued.push(id);
        }
      }
      // Its next attempt reschedules it; until then, look again later rather than every sweep.
      await deliveries.recheckAt(id, now + this.recheckMs);
    }
    return requeued;
  }

  private async replayUnsettled(now: number): Promise<string[]> {
    const { watch, opts } = this.service;
    const replayed: string[] = [];
    for (const jobId of await watch.due(now, this.batchSize)) {
      const job = await opts.jobs.get(jobId);
      if (!job) {
        await watch.forget(jobId);
        continue;
      }
      const ended = ENDED.includes(job.status);
      // An end or a review wait older than the grace period: its listener had all the time it needs.
      if ((ended || job.status === 'awaiting_review') && Date.parse(job.updated_at) <= now - this.graceMs) {
        if ((await this.service.settle(jobId, job.status)) > 0) replayed.push(jobId);
        if (ended) continue; // settle stopped watching it
      }
      // Still running, waiting for a person, or ended so recently that its listener may be at work.
      await watch.lookAgainAt(jobId, now + this.recheckMs);
    }
    return replayed;
  }
}
