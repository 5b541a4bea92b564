/**
 * The producer side: enqueues a job's first stage, adds the rest of the flow, and reads queue
 * depths for metrics and backpressure. The API and the stage-A worker both use it.
 */
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { STAGE_IDS, type StageId } from '@mpp/schemas';
import { buildIngestionJob, buildPipelineFlow, type FlowPlan } from './flow';
import { bullPrefix, cancelChannel, stageJobId, stageQueueName } from './names';
import { queueTelemetry } from './telemetry';

export const COUNTED_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children', 'failed'] as const;
export type CountedState = (typeof COUNTED_STATES)[number];

export interface QueueDepth {
  queue: string;
  stage: StageId;
  state: CountedState;
  count: number;
}

/**
 * How old a snapshot of the waiting count may be when admission uses it. Counting costs one
 * BullMQ count script per stage queue; at hundreds of submissions a second that was most of a
 * submission's Redis work, and backpressure does not need the exact figure until it is near.
 */
export const WAITING_SNAPSHOT_MS = 250;

export interface Admission {
  admitted: boolean;
  /** Jobs waiting: the estimate when admitted, the exact count when refused. */
  waiting: number;
}

export class PipelineQueues {
  private readonly queues = new Map<StageId, Queue>();
  private flowProducer?: FlowProducer;
  readonly prefix: string;
  private snapshot?: { waiting: number; at: number; admittedSince: number };
  private counting?: Promise<number>;

  constructor(
    private readonly connection: Redis,
    private readonly redisPrefix: string,
  ) {
    this.prefix = bullPrefix(redisPrefix);
  }

  /** Where `cancel` announces a cancelled job to every worker. */
  get cancelChannel(): string {
    return cancelChannel(this.redisPrefix);
  }

  queue(stage: StageId): Queue {
    let q = this.queues.get(stage);
    if (!q) {
      q = new Queue(stageQueueName(stage), { connection: this.connection, prefix: this.prefix, telemetry: queueTelemetry() });
      // Connection errors are the shared connection's, logged by its own listener (reportRedisErrors);
      // without a listener here BullMQ would print each one to stderr.
      q.on('error', () => undefined);
      this.queues.set(stage, q);
    }
    return q;
  }

  private flows(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.connection, prefix: this.prefix, telemetry: queueTelemetry() });
      this.flowProducer.on('error', () => undefined);
    }
    return this.flowProducer;
  }

  /** Starts a job: stage A alone, or straight into phase 2 when A is skipped. */
  async submit(jobId: string, plan: FlowPlan): Promise<void> {
    const ingestion = buildIngestionJob(jobId, plan);
    if (ingestion) {
      await this.queue('A').add(ingestion.name, ingestion.data, ingestion.opts);
      return;
    }
    await this.addPhaseTwo(jobId, plan);
  }

  /** Adds B..H as one flow; idempotent because every stage job id derives from the job id. */
  async addPhaseTwo(jobId: string, plan: FlowPlan): Promise<StageId[]> {
    const roots = buildPipelineFlow(jobId, plan);
    if (roots.length === 0) return [];
    await this.flows().addBulk(roots);
    return STAGE_IDS.filter((s) => s !== 'A' && !plan.skip.includes(s));
  }

  /** Counts per stage queue and state (BullMQ's own counts, so prioritised and delayed jobs are seen). */
  async depths(stages: readonly StageId[] = STAGE_IDS): Promise<QueueDepth[]> {
    const out: QueueDepth[] = [];
    await Promise.all(
      stages.map(async (stage) => {
        const counts = await this.queue(stage).getJobCounts(...COUNTED_STATES);
        for (const state of COUNTED_STATES) out.push({ queue: stageQueueName(stage), stage, state, count: counts[state] ?? 0 });
      }),
    );
    return out;
  }

  /** Jobs not yet started across all stage queues (what backpressure limits). */
  async waitingTotal(): Promise<number> {
    const depths = await this.depths();
    return depths.filter((d) => d.state === 'waiting' || d.state === 'prioritized' || d.state === 'delayed').reduce((n, d) => n + d.count, 0);
  }

  /**
   * Backpressure for `count` new jobs under `limit` waiting ones. Far from the limit it answers
   * from a snapshot at most WAITING_SNAPSHOT_MS old plus the jobs this process admitted since (so
   * a burst from one API process cannot overshoot); near it, it counts exactly before refusing, so
   * nothing is refused on a stale figure. Other API replicas' admissions show at the next count.
   */
  async admit(count: number, limit: number): Promise<Admission> {
    let counted = false;
    if (!this.snapshot || performance.now() - this.snapshot.at >= WAITING_SNAPSHOT_MS) {
      await this.countWaiting();
      counted = true;
    }
    for (;;) {
      // Checked and taken with no await in between, so concurrent admissions cannot share room.
      const snap = this.snapshot!;
      const waiting = snap.waiting + snap.admittedSince;
      if (waiting + count <= limit) {
        snap.admittedSince += count;
        return { admitted: true, waiting };
      }
      if (counted) return { admitted: false, waiting };
      await this.countWaiting();
      counted = true;
    }
  }

  /** A fresh count, shared by the callers that ask while it runs; it becomes the snapshot. */
  private countWaiting(): Promise<number> {
    this.counting ??= (async () => {
      const at = performance.now();
      try {
        const waiting = await this.waitingTotal();
        this.snapshot = { waiting, at, admittedSince: 0 };
        return waiting;
      } finally {
        this.counting = undefined;
      }
    })();
    return this.counting;
  }

  /**
   * Wakes a stage job parked in the delayed set (see `StageGate`) so it runs now. Returns false
   * when there was nothing to wake (not parked, or already gone).
   */
  async wakeStage(jobId: string, stage: StageId): Promise<boolean> {
    const job = await this.queue(stage).getJob(stageJobId(jobId, stage));
    if (!job || !(await job.isDelayed())) return false;
    return job.promote().then(
      () => true,
      () => false,
    );
  }

  /**
   * Stops a job's stages everywhere (call after the job record says `cancelled`): tells the worker
   * running one of its stages through pub/sub (it aborts the stage's signal), and removes its stage
   * jobs that have not started. A stage that is running cannot be removed; once it aborts it fails,
   * and `failParentOnFailure` fails the stages above it, so none of them ever runs.
   */
  async cancel(jobId: string): Promise<{ removed: StageId[]; notified: number }> {
    const notified = await this.connection.publish(this.cancelChannel, jobId);
    const pending: StageId[] = [];
    // From the top of the tree down: a parent with no running descendant goes with its children.
    for (const stage of ['A', 'H', 'G', 'F', 'E', 'D', 'C', 'B'] as const) {
      const job = await this.queue(stage).getJob(stageJobId(jobId, stage));
      if (!job) continue;
      const state = await job.getState();
      if (!['waiting', 'prioritized', 'delayed', 'waiting-children'].includes(state)) continue;
      pending.push(stage);
      // Refused while a descendant is running: that one aborts and fails this stage in turn.
      await job.remove().catch(() => undefined);
    }
    const removed: StageId[] = [];
    for (const stage of pending) if (!(await this.queue(stage).getJob(stageJobId(jobId, stage)))) removed.push(stage);
    return { removed, notified };
  }

  /** Every stage queue, for read-only views such as the bull-board dashboard. */
  allQueues(): Queue[] {
    return STAGE_IDS.map((s) => this.queue(s));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.flowProducer?.close();
  }
}
