/**
 * The consumer side: one BullMQ worker per served stage. It adapts plain stage runs to the queue:
 * records per-stage status, timings and attempts; maps errors to retry / no-retry; adds phase 2
 * after ingestion; completes the job when its last stage is done; and drains on shutdown.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobConfidence, STAGE_CATALOG, STAGE_DONE, STAGE_IDS, STAGE_NAMES, type StageId } from '@mpp/schemas';
import type { JobRecord, JobStore, StartedStage } from '@mpp/store';
import { lazyChild, withSpan, type Logger, type PipelineMetrics } from '@mpp/telemetry';
import { describeStageError, JobCancelledError, StageTimeoutError } from './errors';
import type { StageJobData } from './flow';
import { stageQueueName } from './names';
import type { PipelineQueues } from './pipeline-queues';
import { planFromOptions } from './plan';
import { pauseQueueFor, rateLimitDelay } from './rate-limit';
import { queueTelemetry } from './telemetry';
import type { StageGate } from './stage-gate';

export interface StageRunRequest {
  jobId: string;
  stage: StageId;
  attempt: number;
  signal: AbortSignal;
  logger: Logger;
  /** The job record, the stage's inputs and carried usage, read when the attempt was recorded. */
  started: StartedStage;
}

export interface StageRunOutcome {
  output: { provider: string; duration_ms: number; confidence: number } & object;
  status?: 'completed' | 'cached';
}

export type StageRunner = (request: StageRunRequest) => Promise<StageRunOutcome>;

export interface StageWorkerHostOptions {
  connection: Redis;
  queues: PipelineQueues;
  store: JobStore;
  stages: readonly StageId[];
  concurrency: number;
  run: StageRunner;
  logger: Logger;
  metrics?: PipelineMetrics;
  /** How long a worker may hold a job without renewing its lock (BullMQ stall detection). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (lost locks) and hands them back; default 30 s. */
  stalledIntervalMs?: number;
  /** Lets a stage wait outside the queue (human review) without holding a slot. */
  gate?: StageGate;
}

export class StageWorkerHost {
  private readonly workers: Worker[] = [];
  private active = 0;
  /** Stage runs in this process by job id, so a cancellation announced on Redis reaches them. */
  private readonly runsByJob = new Map<string, Set<AbortController>>();
  private cancellations?: Redis;
  private subscribed?: Promise<unknown>;

  constructor(private readonly opts: StageWorkerHostOptions) {}

  get activeJobs(): number {
    return this.active;
  }

  get running(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  start(): void {
    this.listenForCancellations();
    for (const stage of this.opts.stages) {
      const worker = new Worker<StageJobData>(stageQueueName(stage), (job, token, signal) => this.process(job, signal, token), {
        connection: this.opts.connection,
        prefix: this.opts.queues.prefix,
        concurrency: this.opts.concurrency,
        lockDuration: this.opts.lockDurationMs ?? 30_000,
        maxStalledCount: 1,
        stalledInterval: this.opts.stalledIntervalMs ?? 30_000,
        telemetry: queueTelemetry(),
      });
      worker.on('failed', (job, err) => void this.onFailed(job, err));
      worker.on('error', (err) => this.opts.logger.error({ err, stage }, 'stage worker error'));
      this.workers.push(worker);
    }
    this.opts.logger.info({ stages: this.opts.stages, concurrency: this.opts.concurrency }, 'stage workers started');
  }

  /** Resolves once this host hears cancellations (so a job cancelled from now on is aborted here). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  private listenForCancellations(): void {
    const channel = this.opts.queues.cancelChannel;
    const sub = this.opts.connection.duplicate();
    this.cancellations = sub;
    sub.on('error', (err) => this.opts.logger.warn({ err: err.message }, 'cancellation listener: redis error'));
    sub.on('message', (ch: string, jobId: string) => {
      if (ch !== channel) return;
      const runs = this.runsByJob.get(jobId);
      if (!runs) return;
      this.opts.logger.info({ job_id: jobId, stages: runs.size }, 'job cancelled: aborting its running stages');
      for (const c of runs) c.abort(new JobCancelledError(jobId));
    });
    this.subscribed = sub.subscribe(channel).catch((err: unknown) => this.opts.logger.error({ err }, 'could not subscribe to cancellations'));
  }

  /** Stops taking work; waits up to `graceMs` for active jobs, then hands the rest back. */
  async close(graceMs: number): Promise<void> {
    const gentle = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const outcome = await Promise.race([gentle.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.opts.logger.warn({ active: this.active }, 'grace period over; handing active jobs back to the queue');
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    this.workers.length = 0;
    await this.cancellations?.quit().catch(() => this.cancellations?.disconnect());
    this.cancellations = undefined;
  }

  private async process(job: Job<StageJobData>, bullSignal?: AbortSignal, token?: string): Promise<{ provider: string }> {
    const { jobId, stage } = job.data;
    const { store, metrics } = this.opts;
    const attempt = job.attemptsMade + 1;
    // Made when first written to: most attempts never log.
    const logger = lazyChild(this.opts.logger, { job_id: jobId, stage, attempt });
    // Registered before the status check: a cancel that lands after the check is heard here.
    const controller = new AbortController();
    const runs = this.runsByJob.get(jobId) ?? new Set<AbortController>();
    this.runsByJob.set(jobId, runs.add(controller));
    const unregister = () => {
      runs.delete(controller);
      if (runs.size === 0 && this.runsByJob.get(jobId) === runs) this.runsByJob.delete(jobId);
    };
    const spec = STAGE_CATALOG[stage];
    const started = await this.startAttempt(job, attempt, token, logger).catch((err: unknown) => {
      unregister();
      throw err;
    });
    if (!started) {
      unregister();
      logger.info('job already ended; stage not run');
      return { provider: 'none' };
    }
    const timer = setTimeout(() => controller.abort(new StageTimeoutError(stage, spec.timeoutMs)), spec.timeoutMs);
    const onBullAbort = () => controller.abort(bullSignal?.reason);
    bullSignal?.addEventListener('abort', onBullAbort, { once: true });
    this.active++;
    metrics?.activeWorkers.inc();
    const startedAt = performance.now();
    try {
      // A span per stage attempt, a child of BullMQ's `process` span (itself a child of the span
      // that enqueued the job), so the job's trace shows each stage with its job id and outcome.
      const spanAttributes = { 'mpp.job_id': jobId, 'mpp.stage': stage, 'mpp.stage_name': STAGE_NAMES[stage], 'mpp.attempt': attempt };
      const run = () => raceAbort(this.opts.run({ jobId, stage, attempt, signal: controller.signal, logger, started }), controller.signal);
      const outcome = await withSpan(`stage ${stage} ${STAGE_NAMES[stage]}`, { attributes: spanAttributes }, run);
      // A root of the flow reads the record back with the change, to see whether the job is done.
      // One that started with every other stage done and read every confidence input (H, usually)
      // completes the job in the same script; the confidence does not depend on its own output.
      const finishing = job.data.final && STAGE_IDS.every((s) => s === stage || STAGE_DONE.includes(started.record.stages[s].status)) && CONFIDENCE_INPUTS.every((s) => (spec.needs as readonly StageId[]).includes(s));
      const status = outcome.status ?? 'completed';
      const done = !job.data.final
        ? { outcome: await store.stageCompleted(jobId, stage, outcome.output, status) }
        : finishing
          ? await store.completeStage(jobId, stage, outcome.output, status, [], { confidence: jobConfidence(started.outputs) })
          : await store.completeStage(jobId, stage, outcome.output, status, CONFIDENCE_INPUTS);
      if (done.outcome !== 'applied') {
        // Cancelled (or failed elsewhere) while this stage ran: nothing downstream may start.
        logger.info('job ended while the stage ran; its output is dropped');
        return { provider: outcome.output.provider };
      }
      await this.opts.gate?.afterStage(jobId, stage, outcome.output);
      metrics?.processingSeconds.observe({ stage: STAGE_NAMES[stage] }, (performance.now() - startedAt) / 1000);
      metrics?.stageOutcomes.inc({ stage: STAGE_NAMES[stage], status: outcome.status ?? 'completed' });
      if (stage === 'A') await this.startPhaseTwo(jobId, started.record);
      if ('completed' in done && done.completed) this.jobCompleted(done.record?.confidence ?? null, logger);
      else if ('record' in done && done.record) await this.completeIfDone(done.record, finishing ? started.outputs : (done.outputs ?? {}), logger);
      return { provider: outcome.output.provider };
    } catch (err) {
      if (controller.signal.reason instanceof JobCancelledError) {
        logger.info('stage aborted: the job was cancelled');
        metrics?.stageOutcomes.inc({ stage: STAGE_NAMES[stage], status: 'cancelled' });
        await store.stageCancelled(jobId, stage).catch(() => undefined);
        throw new UnrecoverableError('cancelled');
      }
      const pauseMs = rateLimitDelay(err);
      if (pauseMs !== undefined) {
        logger.warn({ pause_ms: pauseMs, err: (err as Error).message }, 'rate limited: pausing the stage queue; the job waits without losing an attempt');
        metrics?.stageOutcomes.inc({ stage: STAGE_NAMES[stage], status: 'rate_limited' });
        // The job view says the stage waits, for whom and until when, rather than `running`.
        const provider = (err as { provider?: unknown }).provider;
        const waiting = { reason: 'rate_limited' as const, provider: typeof provider === 'string' ? provider : null, until: new Date(Date.now() + pauseMs).toISOString(), message: (err as Error).message };
        await store.stageRateLimited(jobId, stage, waiting, pauseMs).catch((e: unknown) => logger.error({ err: e }, 'could not record the rate-limit wait'));
        throw await pauseQueueFor(this.opts.queues.queue(stage), pauseMs);
      }
      const info = describeStageError(err);
      const final = !info.retryable || attempt >= (job.opts.attempts ?? 1);
      logger.warn({ code: info.code, err: info.message, final }, 'stage attempt failed');
      metrics?.stageOutcomes.inc({ stage: STAGE_NAMES[stage], status: final ? 'failed' : 'retried' });
      await store.stageFailed(jobId, stage, { stage, code: info.code, message: `${STAGE_NAMES[stage]}: ${info.message}` }, final);
      if (final && !info.retryable) throw new UnrecoverableError(info.message);
      throw err;
    } finally {
      unregister();
      clearTimeout(timer);
      bullSignal?.removeEventListener('abort', onBullAbort);
      this.active--;
      metrics?.activeWorkers.dec();
    }
  }

  /** Parks the BullMQ job in the delayed set while the gate says wait; holds no slot meanwhile. */
  /**
   * Records the attempt's start; one round trip also reads what the run needs (record, inputs,
   * usage). Refused (null): the job ended or, for a gated stage (H), it waits for a person.
   * The gate is asked only then, so the usual H spends no round trip on it; when the gate lets it
   * through (a decision landed meanwhile), the attempt starts again.
   */
  private async startAttempt(job: Job<StageJobData>, attempt: number, token: string | undefined, logger: Logger): Promise<StartedStage | null> {
    const { jobId, stage } = job.data;
    const start = () => this.opts.store.startStage(jobId, stage, attempt, STAGE_CATALOG[stage].needs);
    const started = await start();
    if (started || !this.opts.gate?.gates(stage)) return started;
    await this.parkIfGated(job, token, logger);
    return start();
  }

  private async parkIfGated(job: Job<StageJobData>, token: string | undefined, logger: Logger): Promise<void> {
    const { jobId, stage } = job.data;
    const verdict = await this.opts.gate!.beforeStage(jobId, stage);
    if (verdict.action === 'run') return;
    await job.moveToDelayed(verdict.untilMs, token);
    // A decision may have landed between the check and the move: wake the job again at once.
    if (!(await this.opts.gate!.stillWaiting(jobId, stage))) await job.promote().catch(() => undefined);
    logger.info({ until: new Date(verdict.untilMs).toISOString() }, 'stage parked until a decision');
    throw new DelayedError();
  }

  /** After A: the rest of the flow, from the options A's attempt read (the record's options never change). */
  private async startPhaseTwo(jobId: string, record: JobRecord): Promise<void> {
    const added = await this.opts.queues.addPhaseTwo(jobId, planFromOptions(record.options));
    // One script for both, not awaited (A's slot is the pipeline's first queue): "queued" only
    // replaces "pending", so landing after B or C has started changes nothing, and a lost one only
    // leaves "pending" shown.
    const queued = added.filter((x) => x === 'B' || x === 'C');
    if (queued.length) this.opts.store.stagesQueued(jobId, queued).catch((err: unknown) => this.opts.logger.warn({ err, job_id: jobId, stages: queued }, 'could not mark the stages queued'));
  }

  /**
   * Completes the job when every stage is done (the record as the root's completion left it); a
   * root that finishes early leaves it to the last.
   */
  private async completeIfDone(record: JobRecord, outputs: Parameters<typeof jobConfidence>[0], logger: Logger): Promise<void> {
    if (!STAGE_IDS.every((s) => STAGE_DONE.includes(record.stages[s].status))) return;
    // A job waiting for a person (G last, export skipped) is completed by the decision instead;
    // the gate may have opened the review after this record was read, so the store checks again.
    if (record.status === 'awaiting_review') return;
    const confidence = jobConfidence(outputs);
    if ((await this.opts.store.complete(record.id, confidence)) === 'applied') this.jobCompleted(confidence, logger);
  }

  private jobCompleted(confidence: number | null, logger: Logger): void {
    this.opts.metrics?.imagesProcessed.inc({ status: 'success' });
    logger.info({ confidence }, 'job completed');
  }

  /** Safety net for failures that never reached `process` (stalled twice, lost lock). */
  private async onFailed(job: Job<StageJobData> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError' || /stalled/i.test(err.message);
    if (!exhausted) return;
    const { jobId, stage } = job.data;
    const info = describeStageError(err);
    await this.opts.store
      .stageFailed(jobId, stage, { stage, code: /stalled/i.test(err.message) ? 'stage_stalled' : info.code, message: `${STAGE_NAMES[stage]}: ${info.message}` }, true)
      .catch((e: unknown) => this.opts.logger.error({ err: e, job_id: jobId, stage }, 'could not record stage failure'));
  }
}

/** The stage outputs the job's confidence is computed from. */
const CONFIDENCE_INPUTS = ['B', 'C', 'D', 'E', 'F', 'G'] as const;

/** Rejects as soon as the signal aborts, so a stage that ignores its signal cannot hold the slot past its timeout. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
