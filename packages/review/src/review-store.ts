/**
 * Review tasks in Redis: creation (once per job), the priority queue of pending tasks, lease-based
 * claims, decisions with their feedback rows, escalation of tasks left too long. Every change of a
 * task goes through a Lua script (`scripts.ts`), so two reviewers or two API processes never
 * both win. This class holds no policy about jobs; `ReviewService` does.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { HumanReviewOutput, ReviewCorrections, ReviewDecisionRecord, ReviewFeedback, ReviewLease, ReviewLeaseHolder, ReviewTask, ReviewTaskStatus } from '@mpp/schemas';
import { createdMsOfScore, priorityBands, priorityScore, type ReviewKeys } from './keys';
import { CLAIM_TASK, CREATE_TASK, DECIDE_TASK, RELEASE_TASK } from './scripts';

export interface NewReviewTask {
  jobId: string;
  review: Pick<HumanReviewOutput, 'job_confidence' | 'threshold' | 'reasons'>;
  imageSha256: string | null;
  expiresInMs: number;
}

export type ClaimOutcome = { outcome: 'claimed'; lease: ReviewLease } | { outcome: 'held'; holder: ReviewLeaseHolder } | { outcome: 'missing' } | { outcome: 'not_pending' };

export type ReleaseOutcome = { outcome: 'released' } | { outcome: 'held'; holder: ReviewLeaseHolder } | { outcome: 'missing' } | { outcome: 'not_pending' };

export type DecideOutcome = { outcome: 'decided' } | { outcome: 'missing' } | { outcome: 'not_pending'; status: string } | { outcome: 'held'; owner: string; until: string };

export interface DecisionInput {
  taskId: string;
  status: Exclude<ReviewTaskStatus, 'pending'>;
  reviewer: string;
  leaseId?: string;
  decision: ReviewDecisionRecord | null;
  corrections?: ReviewCorrections;
  rejectReason?: string;
  closedReason?: string;
  feedback: ReviewFeedback[];
  ignoreLease?: boolean;
}

/** Decided tasks looked at when listing them by status (newest first). */
const MAX_DECIDED_SCAN = 1000;

type ScriptReply = Array<string | number>;
interface ReviewCommands {
  mppReviewCreate(...args: string[]): Promise<number>;
  mppReviewClaim(...args: string[]): Promise<ScriptReply>;
  mppReviewDecide(...args: string[]): Promise<ScriptReply>;
  mppReviewRelease(...args: string[]): Promise<ScriptReply>;
}

export class ReviewStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: ReviewKeys,
    /** How long decided tasks are kept (the job's result TTL). */
    private readonly decidedTtlSeconds: number,
  ) {
    if (!('mppReviewCreate' in redis)) {
      redis.defineCommand('mppReviewCreate', { numberOfKeys: 3, lua: CREATE_TASK });
      redis.defineCommand('mppReviewClaim', { numberOfKeys: 1, lua: CLAIM_TASK });
      redis.defineCommand('mppReviewDecide', { numberOfKeys: 5, lua: DECIDE_TASK });
      redis.defineCommand('mppReviewRelease', { numberOfKeys: 1, lua: RELEASE_TASK });
    }
  }

  private get commands(): ReviewCommands {
    return this.redis as unknown as ReviewCommands;
  }

  /** Creates the job's task; false when it already existed (G ran again after a crash). */
  async create(task: NewReviewTask, now = Date.now()): Promise<boolean> {
    const fields: Record<string, string> = {
      id: task.jobId,
      job_id: task.jobId,
      status: 'pending',
      confidence: String(task.review.job_confidence),
      threshold: String(task.review.threshold),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + task.expiresInMs).toISOString(),
      escalated: '0',
      reasons: JSON.stringify(task.review.reasons),
    };
    if (task.imageSha256) fields.image_sha256 = task.imageSha256;
    const score = priorityScore(task.review.job_confidence, now, false);
    const created = await this.commands.mppReviewCreate(this.keys.task(task.jobId), this.keys.pending(), this.keys.expiry(), task.jobId, JSON.stringify(fields), String(score), String(now + task.expiresInMs));
    return created === 1;
  }

  async get(id: string, now = Date.now()): Promise<ReviewTask | null> {
    const h = await this.redis.hgetall(this.keys.task(id));
    return h.id ? toTask(h, now) : null;
  }

  /** The corrections stored with a decision (re-applied when a worker finishes a resume). */
  async corrections(id: string): Promise<ReviewCorrections | undefined> {
    const raw = await this.redis.hget(this.keys.task(id), 'corrections');
    return raw ? (JSON.parse(raw) as ReviewCorrections) : undefined;
  }

  async rejectReason(id: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.task(id), 'reject_reason')) ?? undefined;
  }

  /** Pending tasks in priority order, or decided/closed ones newest first. */
  async list(status: ReviewTaskStatus | 'decided', offset = 0, limit = 50, now = Date.now()): Promise<{ tasks: ReviewTask[]; total: number }> {
    const pending = status === 'pending';
    const key = pending ? this.keys.pending() : this.keys.decided();
    const ids = pending ? await this.redis.zrange(key, offset, offset + limit - 1) : await this.redis.zrevrange(key, 0, MAX_DECIDED_SCAN - 1);
    const tasks = await this.load(ids, now);
    if (pending) return { tasks, total: await this.redis.zcard(key) };
    const matching = tasks.filter((t) => status === 'decided' || t.status === status);
    return { tasks: matching.slice(offset, offset + limit), total: matching.length };
  }

  /** Takes the lease, or renews it when `leaseId` is the live lease's id (a name alone never is). */
  async claim(id: string, owner: string, leaseMs: number, now = Date.now(), leaseId = ''): Promise<ClaimOutcome> {
    const reply = await this.commands.mppReviewClaim(this.keys.task(id), owner, randomUUID(), String(now), String(leaseMs), leaseId);
    const code = Number(reply[0]);
    if (code === 1) return { outcome: 'claimed', lease: { id: String(reply[1]), owner: String(reply[2]), expires_at: new Date(Number(reply[3])).toISOString() } };
    if (code === -2) return { outcome: 'held', holder: holder(reply) };
    return code === 0 ? { outcome: 'missing' } : { outcome: 'not_pending' };
  }

  /** Gives the lease `leaseId` back (harmless when it already expired or was released). */
  async release(id: string, leaseId: string, now = Date.now()): Promise<ReleaseOutcome> {
    const reply = await this.commands.mppReviewRelease(this.keys.task(id), leaseId, String(now));
    const code = Number(reply[0]);
    if (code === 1) return { outcome: 'released' };
    if (code === -2) return { outcome: 'held', holder: holder(reply) };
    return code === 0 ? { outcome: 'missing' } : { outcome: 'not_pending' };
  }

  async decide(input: DecisionInput, now = Date.now()): Promise<DecideOutcome> {
    const fields: Record<string, string> = { decided_at: new Date(now).toISOString() };
    if (input.decision) fields.decision = JSON.stringify(input.decision);
    if (input.corrections) fields.corrections = JSON.stringify(input.corrections);
    if (input.rejectReason) fields.reject_reason = input.rejectReason;
    if (input.closedReason) fields.closed_reason = input.closedReason;
    const reply = await this.commands.mppReviewDecide(
      this.keys.task(input.taskId),
      this.keys.pending(),
      this.keys.expiry(),
      this.keys.decided(),
      this.keys.feedback(),
      input.reviewer,
      input.leaseId ?? '',
      String(now),
      input.status,
      JSON.stringify(fields),
      JSON.stringify(input.feedback.map((f) => JSON.stringify(f))),
      String(this.decidedTtlSeconds),
      input.ignoreLease ? '1' : '0',
      input.taskId,
    );
    const code = Number(reply[0]);
    if (code === 1) return { outcome: 'decided' };
    if (code === 0) return { outcome: 'missing' };
    if (code === -1) return { outcome: 'not_pending', status: String(reply[1]) };
    return { outcome: 'held', owner: String(reply[1]), until: new Date(Number(reply[2])).toISOString() };
  }

  /**
   * Pending tasks whose time ran out, each handed to exactly one caller (ZREM decides, as for job
   * deadlines): the caller escalates or rejects it.
   */
  async takeExpired(now = Date.now(), limit = 100): Promise<string[]> {
    const due = await this.redis.zrangebyscore(this.keys.expiry(), 0, now, 'LIMIT', 0, limit);
    const mine: string[] = [];
    for (const id of due) if ((await this.redis.zrem(this.keys.expiry(), id)) === 1) mine.push(id);
    return mine;
  }

  /** Flags a pending task escalated and moves it to the front of the queue. */
  async escalate(id: string): Promise<boolean> {
    const h = await this.redis.hmget(this.keys.task(id), 'status', 'created_at');
    if (h[0] !== 'pending') return false;
    await this.redis
      .multi()
      .hset(this.keys.task(id), 'escalated', '1')
      .zadd(this.keys.pending(), 'XX', priorityScore(0, Date.parse(h[1] ?? ''), true), id)
      .exec();
    return true;
  }

  /**
   * Pending tasks and the age of the oldest (the review-backlog metrics, read at every scrape).
   * The pending set is ordered by priority, not age; the oldest task is the oldest of each
   * priority band's first task, so this costs one pipeline of ~100 O(log n) reads at any size.
   */
  async backlog(now = Date.now()): Promise<{ jobs: number; oldestAgeSeconds: number }> {
    const pipeline = this.redis.pipeline().zcard(this.keys.pending());
    for (const band of priorityBands()) pipeline.zrangebyscore(this.keys.pending(), band.min, band.max, 'WITHSCORES', 'LIMIT', 0, 1);
    const [count, ...firsts] = ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
    let oldest = now;
    for (const reply of firsts as Array<string[]>) {
      const score = reply[1]; // [id, score] of the band's first task, or nothing
      if (score !== undefined) oldest = Math.min(oldest, createdMsOfScore(Number(score)));
    }
    return { jobs: Number(count ?? 0), oldestAgeSeconds: Math.max(0, (now - oldest) / 1000) };
  }

  /** Forgets decided tasks older than their TTL in the decided index (their hashes expired already). */
  async trimDecided(now = Date.now()): Promise<number> {
    return this.redis.zremrangebyscore(this.keys.decided(), 0, now - this.decidedTtlSeconds * 1000);
  }

  /** Feedback rows, oldest first, in pages (for streaming JSONL). */
  async *feedbackRows(pageSize = 500): AsyncGenerator<string> {
    for (let start = 0; ; start += pageSize) {
      const rows = await this.redis.lrange(this.keys.feedback(), start, start + pageSize - 1);
      for (const row of rows) yield row;
      if (rows.length < pageSize) return;
    }
  }

  private async load(ids: string[], now: number): Promise<ReviewTask[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.task(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, h]) => h as Record<string, string>).filter((h) => h && h.id).map((h) => toTask(h, now));
  }
}

/** `{-2, owner, until}` replies: who holds the lease, never its id. */
function holder(reply: ScriptReply): ReviewLeaseHolder {
  return { owner: String(reply[1]), expires_at: new Date(Number(reply[2])).toISOString() };
}

function toTask(h: Record<string, string>, now: number): ReviewTask {
  const leaseUntil = Number(h.lease_until ?? 0);
  return {
    id: h.id!,
    job_id: h.job_id!,
    status: h.status as ReviewTaskStatus,
    confidence: Number(h.confidence),
    threshold: Number(h.threshold),
    created_at: h.created_at!,
    expires_at: h.expires_at!,
    escalated: h.escalated === '1',
    image_sha256: h.image_sha256 ?? null,
    reasons: JSON.parse(h.reasons ?? '[]') as ReviewTask['reasons'],
    // Who holds the task and until when; the lease id goes only to the claimer (it is the proof).
    lease: h.lease_id && leaseUntil > now ? { owner: h.lease_owner ?? '', expires_at: new Date(leaseUntil).toISOString() } : null,
    decision: h.decision ? (JSON.parse(h.decision) as ReviewDecisionRecord) : null,
    closed_reason: h.closed_reason ?? null,
  };
}
