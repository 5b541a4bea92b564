/**
 * `/v1/reviews`: the review queue (pending tasks in priority order), one task with what a reviewer
 * needs to judge it, claims (leases), decisions, and the feedback export. The workflow itself is
 * @mpp/review's `ReviewService`; this router only reads requests and maps its errors.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ReviewCorrectionError, ReviewError, type ReviewService } from '@mpp/review';
import { ReviewClaimRequest, ReviewDecisionRequest, ReviewReleaseRequest, ReviewTaskStatus, STAGE_IDS } from '@mpp/schemas';
import { HttpProblem, zodProblem } from '../http/problem';
import { toJobView } from '../views';
import type { ApiDeps } from '../deps';

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `?status=`: one task status, or `decided` for every decided or closed task. */
const ListStatus = ReviewTaskStatus.or(z.literal('decided'));

export function reviewsRouter(deps: ApiDeps, reviews: ReviewService): Router {
  const router = express.Router();

  router.get('/', async (req: Request, res: Response) => {
    const status = parseStatus(req.query.status);
    const offset = parseCount(req.query.offset, 'offset', 0, 0, 1_000_000);
    const limit = parseCount(req.query.limit, 'limit', 50, 1, 200);
    const { tasks, total } = await reviews.reviews.list(status, offset, limit);
    res.json({ status, total, offset, limit, tasks: tasks.map((t) => ({ ...t, links: taskLinks(t.id) })) });
  });

  // Before `/:id`, which would take "feedback.jsonl" for an id.
  router.get('/feedback.jsonl', async (_req: Request, res: Response) => {
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="review-feedback.jsonl"');
    for await (const row of reviews.reviews.feedbackRows()) {
      if (!res.write(`${row}\n`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  router.get('/:id', async (req: Request, res: Response) => {
    const task = await call(() => reviews.get(taskId(req)));
    const record = await deps.store.get(task.job_id);
    const outputs = record ? await deps.store.getOutputs(task.job_id, STAGE_IDS) : {};
    const rendered = outputs.F?.formulas ?? [];
    res.json({
      ...task,
      links: taskLinks(task.id),
      job: record ? toJobView(record) : null,
      context: {
        image: outputs.A ? { url: `/v1/jobs/${task.job_id}/image`, width: outputs.A.width, height: outputs.A.height } : null,
        text: outputs.B?.text ?? null,
        formulas: (outputs.B?.formulas ?? []).map((f, index) => ({ index, ...f, svg: rendered[index]?.latex === f.latex ? rendered[index]?.svg : undefined })),
        regions: outputs.C?.regions ?? [],
        elements: outputs.C?.elements ?? [],
        facts: outputs.E?.facts ?? [],
        roundtrip: outputs.F?.roundtrip ?? null,
        review: outputs.G ?? null,
      },
    });
  });

  router.post('/:id/claim', async (req: Request, res: Response) => {
    const body = ReviewClaimRequest.safeParse(req.body ?? {});
    if (!body.success) throw zodProblem(body.error, 'body');
    const lease = await call(() => reviews.claim(taskId(req), body.data.reviewer, body.data.lease_id));
    res.json({ task_id: taskId(req), lease });
  });

  router.post('/:id/release', async (req: Request, res: Response) => {
    const body = ReviewReleaseRequest.safeParse(req.body ?? {});
    if (!body.success) throw zodProblem(body.error, 'body');
    await call(() => reviews.release(taskId(req), body.data.lease_id));
    res.json({ task_id: taskId(req), lease: null });
  });

  router.post('/:id/decision', async (req: Request, res: Response) => {
    const body = ReviewDecisionRequest.safeParse(req.body ?? {});
    if (!body.success) throw zodProblem(body.error, 'body');
    const task = await call(() => reviews.decide(taskId(req), body.data));
    const record = await deps.store.get(task.job_id);
    res.json({ ...task, links: taskLinks(task.id), job: record ? toJobView(record) : null });
  });

  return router;
}

function taskLinks(id: string) {
  return { self: `/v1/reviews/${id}`, claim: `/v1/reviews/${id}/claim`, release: `/v1/reviews/${id}/release`, decision: `/v1/reviews/${id}/decision`, job: `/v1/jobs/${id}`, page: `/review/${id}` };
}

/** Maps the workflow's named errors to problems. */
async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ReviewCorrectionError) throw new HttpProblem(422, 'review-correction-invalid', 'Correction does not fit the job', err.message, err.issues);
    if (!(err instanceof ReviewError)) throw err;
    switch (err.code) {
      case 'review_not_found':
        throw new HttpProblem(404, 'review-not-found', 'Review task not found', err.message);
      case 'review_not_pending':
        throw new HttpProblem(409, 'review-not-pending', 'Review task already decided', err.message);
      case 'review_lease_held':
        throw new HttpProblem(409, 'review-lease-held', 'Review task claimed by someone else', err.message);
      case 'review_job_not_waiting':
        throw new HttpProblem(409, 'review-job-not-waiting', 'Job no longer awaits review', err.message);
    }
  }
}

function taskId(req: Request): string {
  const id = String(req.params.id);
  if (!TASK_ID.test(id)) throw new HttpProblem(404, 'review-not-found', 'Review task not found', `"${id.slice(0, 80)}" is not a review task id`);
  return id;
}

function parseStatus(raw: unknown) {
  if (raw === undefined) return 'pending' as const;
  const parsed = ListStatus.safeParse(raw);
  if (!parsed.success) throw new HttpProblem(400, 'validation-error', 'Request validation failed', `status must be one of pending, approved, modified, rejected, closed, decided`, [{ field: 'query.status', message: 'unknown status' }]);
  return parsed.data;
}

function parseCount(raw: unknown, name: string, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpProblem(400, 'validation-error', 'Request validation failed', `${name} must be an integer from ${min} to ${max}`, [{ field: `query.${name}`, message: 'out of range' }]);
  return n;
}
