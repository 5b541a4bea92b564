/**
 * Job records: status, per-stage state, options, metadata, stage outputs and export files, all
 * under `REDIS_PREFIX` and kept `PIPELINE_RESULT_TTL` seconds. Every change publishes an event
 * on the job's channel, which long-polls and Server-Sent Events listen to.
 */
import type { Redis } from 'ioredis';
import {
  STAGE_DONE,
  STAGE_IDS,
  initialStageState,
  type JobError,
  type JobStatus,
  type StageId,
  type StageOutputs,
  type StageState,
  type StageUsage,
  type StageWaiting,
} from '@mpp/schemas';
import type { StoreKeys } from './keys';
import { MUTATE_JOB } from './scripts';

export interface NewJob {
  id: string;
  options: Record<string, unknown>;
  metadata: Record<string, unknown>;
  original_ref: string;
  skipped: readonly StageId[];
  webhook_url?: string;
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  options: Record<string, unknown>;
  metadata: Record<string, unknown>;
  original_ref: string;
  webhook_url: string | null;
  error: JobError | null;
  confidence: number | null;
  stages: Record<StageId, StageState>;
}

export interface JobEvent {
  type: 'update';
  status: JobStatus;
  stage?: StageId;
  stage_status?: StageState['status'];
}

interface Patch {
  status?: JobStatus;
  fields?: Record<string, string>;
  stage?: StageId;
  stage_state?: StageState;
  /** Merged into the stage's current state by the script (no read round trip). */
  stage_set?: Partial<StageState>;
  stage_unset?: Array<keyof StageState>;
  stage_base?: StageState;
  stage_only_if?: Array<StageState['status']>;
  read?: { outputs?: readonly StageId[]; carried?: boolean };
  /** The stage output (JSON); sent as an argument of its own, not inside the patch JSON. */
  output?: string;
  count?: 'success' | 'failure';
  allow_terminal?: boolean;
  only_if_status?: JobStatus[];
  outputs?: Record<string, string>;
  finish?: { stages: readonly StageId[]; done: readonly string[]; confidence: string };
  queue_stages?: readonly StageId[];
}

export type MutationOutcome = 'applied' | 'missing' | 'refused';

/** What the store reads of a stage's output (every stage's schema has these); the rest is kept as given. */
export type StageOutputFields = { provider: string; duration_ms: number } & Record<string, unknown>;

/** A stage attempt that was recorded as started, with what its run reads (fetched in the same round trip). */
export interface StartedStage {
  record: JobRecord;
  /** The outputs asked for (the stage's inputs), as stored. */
  outputs: Partial<StageOutputs>;
  /** Usage carried over from earlier attempts of this stage (see addCarriedUsage), if any. */
  carriedUsage?: StageUsage;
}

/** What reading a record back after a change returns. */
interface ReadBack {
  outcome: MutationOutcome;
  record?: JobRecord;
  outputs?: Partial<StageOutputs>;
  carriedUsage?: StageUsage;
}

/**
 * Called after a change that set the job's status was applied (webhooks, batch tracking); with
 * the record as the change left it when the change read it back (saves the listener a read).
 */
export type StatusListener = (jobId: string, status: JobStatus, record?: JobRecord) => Promise<void> | void;

export class JobStore {
  private readonly statusListeners = new Set<StatusListener>();

  constructor(
    private readonly redis: Redis,
    readonly keys: StoreKeys,
    readonly ttlSeconds: number,
  ) {
    if (!('mppMutateJob' in redis)) {
      redis.defineCommand('mppMutateJob', { numberOfKeys: 4, lua: MUTATE_JOB });
    }
  }

  async create(job: NewJob): Promise<JobRecord> {
    const now = new Date().toISOString();
    const fields: Record<string, string> = {
      id: job.id,
      status: 'queued',
      created_at: now,
      updated_at: now,
      options: JSON.stringify(job.options),
      metadata: JSON.stringify(job.metadata),
      original_ref: job.original_ref,
    };
    if (job.webhook_url) fields.webhook_url = job.webhook_url;
    for (const id of STAGE_IDS) {
      fields[`stage:${id}`] = JSON.stringify(initialStageState(id, job.skipped.includes(id) ? 'skipped' : 'pending'));
    }
    const key = this.keys.job(job.id);
    const replies = await this.redis.multi().hset(key, fields).expire(key, this.ttlSeconds).exec();
    const failed = replies?.find(([err]) => err)?.[0];
    if (!replies || failed) throw failed ?? new Error(`job ${job.id}: the record was not written`);
    // The record is what was just written: built from the same fields, not read back (one round trip less per submission).
    return parseRecord(fields)!;
  }

  async get(id: string): Promise<JobRecord | null> {
    return parseRecord(await this.redis.hgetall(this.keys.job(id)));
  }

  /** The job's status alone (one HGET, no parse); null when the job is gone. */
  async getStatus(id: string): Promise<JobRecord['status'] | null> {
    return (await this.redis.hget(this.keys.job(id), 'status')) as JobRecord['status'] | null;
  }

  async getStage(id: string, stage: StageId): Promise<StageState | null> {
    const raw = await this.redis.hget(this.keys.job(id), `stage:${stage}`);
    return raw ? (JSON.parse(raw) as StageState) : null;
  }

  async getOutput<S extends StageId>(id: string, stage: S): Promise<StageOutputs[S] | undefined> {
    const raw = await this.redis.hget(this.keys.outputs(id), stage);
    return raw ? (JSON.parse(raw) as StageOutputs[S]) : undefined;
  }

  async getOutputs(id: string, stages: readonly StageId[]): Promise<Partial<StageOutputs>> {
    if (stages.length === 0) return {};
    return parseOutputs(stages, await this.redis.hmget(this.keys.outputs(id), ...stages));
  }

  /** Marks a stage running; refused (returns false) when the job already ended. */
  async stageStarted(id: string, stage: StageId, attempt: number): Promise<boolean> {
    return (await this.mutate(id, startPatch(stage, attempt))) === 'applied';
  }

  /**
   * Marks a stage running and, in the same round trip, reads what its run needs: the job record,
   * the outputs of `inputs` and the usage carried over from earlier attempts. Null when refused
   * (the job ended) or missing.
   */
  async startStage(id: string, stage: StageId, attempt: number, inputs: readonly StageId[]): Promise<StartedStage | null> {
    const back = await this.mutateAndRead(id, { ...startPatch(stage, attempt), read: { outputs: inputs, carried: true } });
    if (back.outcome !== 'applied' || !back.record) return null;
    return { record: back.record, outputs: back.outputs ?? {}, ...(back.carriedUsage ? { carriedUsage: back.carriedUsage } : {}) };
  }

  async stageCompleted(id: string, stage: StageId, output: StageOutputFields, status: 'completed' | 'cached' = 'completed'): Promise<MutationOutcome> {
    return this.mutate(id, completePatch(stage, output, status));
  }

  /**
   * A stage's completion that reads the record back (and the outputs in `read`), for a root of the
   * flow to see whether the job is done. With `finish`, the same script also completes the job
   * when every stage is done and the job is not waiting for a person: `completed` tells.
   */
  async completeStage(
    id: string,
    stage: StageId,
    output: StageOutputFields,
    status: 'completed' | 'cached',
    read: readonly StageId[],
    finish?: { confidence: number },
  ): Promise<{ outcome: MutationOutcome; record?: JobRecord; outputs?: Partial<StageOutputs>; completed?: boolean }> {
    const patch: Patch = { ...completePatch(stage, output, status), read: { outputs: read } };
    if (finish) patch.finish = { stages: STAGE_IDS, done: STAGE_DONE, confidence: String(finish.confidence) };
    const { outcome, record, outputs } = await this.mutateAndRead(id, patch);
    return { outcome, ...(record ? { record } : {}), ...(outputs ? { outputs } : {}), ...(finish ? { completed: outcome === 'applied' && record?.status === 'completed' } : {}) };
  }

  /** Drops the usage carried over from earlier attempts of a stage once its output includes it. */
  async clearCarriedUsage(id: string, stage: StageId): Promise<void> {
    await this.redis.del(this.carriedUsageKey(id, stage));
  }

  /** A failed attempt: `final` fails the job with the stage named; otherwise the stage waits for its retry. */
  async stageFailed(id: string, stage: StageId, error: JobError, final: boolean): Promise<MutationOutcome> {
    const prev = (await this.getStage(id, stage)) ?? initialStageState(stage);
    const started = prev.started_at ? Date.parse(prev.started_at) : Date.now();
    const state: StageState = { ...prev, status: final ? 'failed' : 'queued', finished_at: final ? new Date().toISOString() : null, duration_ms: Date.now() - started, error };
    if (!final) return this.mutate(id, { stage, stage_state: state });
    return this.mutate(id, { stage, stage_state: state, status: 'failed', fields: { error: JSON.stringify(error) }, count: 'failure' });
  }

  /**
   * An external API rate limited the stage: its queue is paused and the attempt was handed back
   * without counting, so the stage is `queued` again, with `waiting` saying why and until when.
   */
  async stageRateLimited(id: string, stage: StageId, waiting: StageWaiting, pauseMs: number): Promise<MutationOutcome> {
    const prev = (await this.getStage(id, stage)) ?? initialStageState(stage);
    if (prev.status !== 'running') return 'refused';
    const rate_limited_ms = (prev.rate_limited_ms ?? 0) + Math.max(0, Math.round(pauseMs));
    const state: StageState = { ...prev, status: 'queued', attempts: Math.max(0, prev.attempts - 1), rate_limited_ms, waiting };
    return this.mutate(id, { stage, stage_state: state });
  }

  /**
   * What a failed or handed-back stage attempt spent on external APIs, kept until the stage's
   * next attempt completes and adds it to its output's `usage` (docs/providers.md).
   */
  async addCarriedUsage(id: string, stage: StageId, usage: StageUsage): Promise<void> {
    const key = this.carriedUsageKey(id, stage);
    const m = this.redis.multi();
    for (const [name, n] of Object.entries(usage.calls)) m.hincrby(key, `calls:${name}`, n);
    if (usage.input_tokens !== undefined) m.hincrby(key, 'input_tokens', usage.input_tokens);
    if (usage.output_tokens !== undefined) m.hincrby(key, 'output_tokens', usage.output_tokens);
    if (usage.estimated_cost_usd) m.hincrbyfloat(key, 'estimated_cost_usd', usage.estimated_cost_usd);
    await m.expire(key, this.ttlSeconds).exec();
  }

  private carriedUsageKey(id: string, stage: StageId): string {
    return `${this.keys.job(id)}:usage:${stage}`;
  }

  /** A pending stage was put on its queue; refused when it is no longer pending (it already started). */
  async stageQueued(id: string, stage: StageId): Promise<MutationOutcome> {
    return this.stagesQueued(id, [stage]);
  }

  /**
   * Stages put on their queues at once (B and C after A), in one round trip: each one still
   * pending becomes queued, with its own event; refused when none was pending any more.
   */
  async stagesQueued(id: string, stages: readonly StageId[]): Promise<MutationOutcome> {
    if (stages.length === 0) return 'refused';
    return this.mutate(id, { queue_stages: stages });
  }

  /** Every stage is done; refused while the job waits for a person (the decision completes it). */
  async complete(id: string, confidence: number): Promise<MutationOutcome> {
    return this.mutate(id, { status: 'completed', only_if_status: ['queued', 'running'], fields: { confidence: String(confidence) }, count: 'success' });
  }

  /** Stage G asked for a person: the job waits (`awaiting_review`) until a decision. */
  async awaitReview(id: string): Promise<MutationOutcome> {
    return this.mutate(id, { status: 'awaiting_review', only_if_status: ['queued', 'running'] });
  }

  /** A person decided: the corrected outputs are stored and the job runs again, in one step. */
  async resumeAfterReview(id: string, outputs: Partial<Record<StageId, object>>): Promise<MutationOutcome> {
    const encoded = Object.fromEntries(Object.entries(outputs).map(([stage, output]) => [stage, JSON.stringify(output)]));
    return this.mutate(id, { status: 'running', only_if_status: ['awaiting_review'], ...(Object.keys(encoded).length ? { outputs: encoded } : {}) });
  }

  async fail(id: string, error: JobError): Promise<MutationOutcome> {
    return this.mutate(id, { status: 'failed', fields: { error: JSON.stringify(error) }, count: 'failure' });
  }

  async cancel(id: string): Promise<MutationOutcome> {
    return this.mutate(id, { status: 'cancelled', fields: { error: JSON.stringify({ stage: null, code: 'cancelled', message: 'cancelled by the client' }) } });
  }

  /** A stage that was running when the job was cancelled stopped: recorded as failed with code `cancelled`. */
  async stageCancelled(id: string, stage: StageId): Promise<MutationOutcome> {
    const prev = (await this.getStage(id, stage)) ?? initialStageState(stage);
    if (prev.status !== 'running') return 'refused';
    const started = prev.started_at ? Date.parse(prev.started_at) : Date.now();
    const state: StageState = { ...prev, status: 'failed', finished_at: new Date().toISOString(), duration_ms: Date.now() - started, error: { stage, code: 'cancelled', message: 'the job was cancelled while this stage ran' } };
    return this.mutate(id, { stage, stage_state: state, allow_terminal: true, only_if_status: ['cancelled'] });
  }

  async putExport(id: string, format: string, data: Buffer): Promise<void> {
    await this.redis.set(this.keys.exportFile(id, format), data, 'EX', this.ttlSeconds);
  }

  async getExport(id: string, format: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.exportFile(id, format));
  }

  /** Removes a job's record, outputs and export files. */
  async delete(id: string, formats: readonly string[]): Promise<void> {
    await this.redis.del(this.keys.job(id), this.keys.outputs(id), ...formats.map((f) => this.keys.exportFile(id, f)));
  }

  async processedTotals(): Promise<Record<string, number>> {
    const h = await this.redis.hgetall(this.keys.processedTotals());
    return { success: Number(h.success ?? 0), failure: Number(h.failure ?? 0) };
  }

  /**
   * Registers a listener for applied status changes. Terminal statuses are applied at most once
   * per job (the script refuses changes to an ended job), so a listener sees each of them once
   * fleet-wide; it must catch its own errors. Returns the unregister function.
   */
  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private async mutate(id: string, patch: Patch): Promise<MutationOutcome> {
    return (await this.mutateAndRead(id, patch)).outcome;
  }

  private async mutateAndRead(id: string, patch: Patch): Promise<ReadBack> {
    const { output, ...rest } = patch;
    const result = await (this.redis as unknown as MutateCommand).mppMutateJob(
      this.keys.job(id),
      this.keys.outputs(id),
      this.keys.processedTotals(),
      patch.stage ? this.carriedUsageKey(id, patch.stage) : `${this.keys.job(id)}:usage:-`,
      JSON.stringify(rest),
      String(this.ttlSeconds),
      this.keys.events(id),
      new Date().toISOString(),
      output ?? '',
    );
    const code = Array.isArray(result) ? result[0] : result;
    const outcome: MutationOutcome = code === 1 ? 'applied' : code === 0 ? 'missing' : 'refused';
    const record = Array.isArray(result) ? parseRecord(pairs(result[1])) : null;
    // The status this change set: asked for, or the completion a `finish` made.
    const newStatus = code !== 1 ? undefined : patch.status ?? (patch.finish && record?.status === 'completed' ? 'completed' : undefined);
    if (newStatus) {
      for (const listener of this.statusListeners) await Promise.resolve(listener(id, newStatus, record ?? undefined)).catch(() => undefined);
    }
    if (!Array.isArray(result)) return { outcome };
    const [, , outputValues, flatCarried] = result;
    const carriedUsage = parseUsage(pairs(flatCarried));
    return {
      outcome,
      ...(record ? { record } : {}),
      outputs: parseOutputs(patch.read?.outputs ?? [], outputValues.map((v) => v || null)),
      ...(carriedUsage ? { carriedUsage } : {}),
    };
  }
}

interface MutateCommand {
  mppMutateJob(...args: string[]): Promise<number | [number, string[], Array<string | null | false>, string[]]>;
}

/** A stage attempt starts: `running` with its attempt number, no longer waiting for a rate limit. */
function startPatch(stage: StageId, attempt: number): Patch {
  return {
    stage,
    stage_set: { status: 'running', started_at: new Date().toISOString(), finished_at: null, duration_ms: null, attempts: attempt, error: null },
    stage_unset: ['waiting'],
    stage_base: initialStageState(stage),
    status: 'running',
    only_if_status: ['queued', 'running'],
  };
}

function completePatch(stage: StageId, output: StageOutputFields, status: 'completed' | 'cached'): Patch {
  return {
    stage,
    stage_set: { status, finished_at: new Date().toISOString(), duration_ms: Math.round(output.duration_ms), provider: output.provider, error: null },
    stage_base: initialStageState(stage),
    output: JSON.stringify(output),
  };
}

/** A flat [field, value, ...] reply as an object. */
function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

function parseOutputs(stages: readonly StageId[], values: ReadonlyArray<string | null>): Partial<StageOutputs> {
  const out: Partial<Record<StageId, unknown>> = {};
  stages.forEach((s, i) => {
    const raw = values[i];
    if (raw) out[s] = JSON.parse(raw);
  });
  return out as Partial<StageOutputs>;
}

/** A carried-usage hash as usage; undefined when nothing was carried. */
function parseUsage(h: Record<string, string>): StageUsage | undefined {
  if (Object.keys(h).length === 0) return undefined;
  const calls: Record<string, number> = {};
  for (const [field, value] of Object.entries(h)) if (field.startsWith('calls:')) calls[field.slice(6)] = Number(value);
  return {
    calls,
    ...(h.input_tokens !== undefined ? { input_tokens: Number(h.input_tokens) } : {}),
    ...(h.output_tokens !== undefined ? { output_tokens: Number(h.output_tokens) } : {}),
    ...(h.estimated_cost_usd !== undefined ? { estimated_cost_usd: Number(h.estimated_cost_usd) } : {}),
  };
}

/** A job hash (HGETALL) as a record; null when the job does not exist. */
function parseRecord(h: Record<string, string>): JobRecord | null {
  if (!h.id) return null;
  const stages = {} as Record<StageId, StageState>;
  for (const s of STAGE_IDS) stages[s] = h[`stage:${s}`] ? (JSON.parse(h[`stage:${s}`]!) as StageState) : initialStageState(s);
  return {
    id: h.id,
    status: h.status as JobStatus,
    created_at: h.created_at!,
    updated_at: h.updated_at ?? h.created_at!,
    finished_at: h.finished_at ?? null,
    options: JSON.parse(h.options ?? '{}') as Record<string, unknown>,
    metadata: JSON.parse(h.metadata ?? '{}') as Record<string, unknown>,
    original_ref: h.original_ref!,
    webhook_url: h.webhook_url ?? null,
    error: h.error ? (JSON.parse(h.error) as JobError) : null,
    confidence: h.confidence !== undefined ? Number(h.confidence) : null,
    stages,
  };
}

/** Fraction of stages that will not run again (completed, cached or skipped). */
export function jobProgress(stages: Record<StageId, StageState>): number {
  const done = STAGE_IDS.filter((s) => STAGE_DONE.includes(stages[s].status)).length;
  return Math.round((done / STAGE_IDS.length) * 1000) / 1000;
}
