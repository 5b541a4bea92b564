/** `/v1/jobs`: submit, status (with long-poll), result, exports, events, cancel. */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { EXPORT_CONTENT_TYPES, ExportFormat, isTerminal, STAGE_IDS, type JobAccepted } from '@mpp/schemas';
import { HttpProblem, sendProblem } from '../http/problem';
import { readSubmission } from '../http/submission';
import { checkSubmission, createJob } from '../http/create-job';
import { IdempotencyKeys, readIdempotencyKey, submissionFingerprint, type Reservation } from '../http/idempotency';
import { assembleResult, jobLinks, toJobView } from '../views';
import type { ApiDeps } from '../deps';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_WAIT_SECONDS = 60;

export function jobsRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const { config, store, queues } = deps;
  const idempotency = new IdempotencyKeys(deps.redis, config.redis.prefix);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: config.image.maxBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  }).single('image');

  router.post('/', (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next()), async (req: Request, res: Response) => {
    const idempotencyKey = readIdempotencyKey(req.get('idempotency-key'));
    const submission = await readSubmission(req, { maxBytes: config.image.maxBytes, fetchTimeoutMs: 15_000, allowPrivateUrls: config.env.ALLOW_PRIVATE_URLS });
    await checkSubmission(deps, submission);
    const fingerprint = idempotencyKey ? submissionFingerprint({ image: submission.bytes, options: submission.options, metadata: submission.metadata, webhook_url: submission.webhook_url }) : '';
    // A repeat of a request that already made its job gets that job, even when the queue is full.
    const earlier = idempotencyKey ? await idempotency.get(idempotencyKey) : undefined;
    if (earlier) return replay(res, idempotencyKey!, earlier, fingerprint);
    const { admitted, waiting } = await queues.admit(1, config.env.MAX_QUEUE_DEPTH);
    if (!admitted) {
      throw new HttpProblem(503, 'queue-full', 'Queue full', `${waiting} jobs are waiting; try again later`, undefined, { 'Retry-After': '30' });
    }
    const id = randomUUID();
    const mine: Reservation = { jobId: id, fingerprint, at: Date.now() };
    if (idempotencyKey) {
      const reserved = await idempotency.reserve(idempotencyKey, mine);
      if (!reserved.won) return replay(res, idempotencyKey, reserved.held, fingerprint);
    }
    let record;
    try {
      record = await createJob(deps, submission, id);
    } catch (err) {
      if (idempotencyKey) await idempotency.release(idempotencyKey, mine).catch(() => undefined);
      throw err;
    }
    const body: JobAccepted = { id, status: record.status, created_at: record.created_at, links: jobLinks(id) };
    res.status(202).location(body.links.self).json(body);
  });

  /** Same key, same body: the job the first request made (200, `Idempotent-Replayed: true`); another body: 422. */
  async function replay(res: Response, key: string, held: Reservation, fingerprint: string): Promise<void> {
    IdempotencyKeys.assertSameBody(held, fingerprint);
    // The first request may still be creating the job (two identical requests at once): wait for it.
    const deadline = Date.now() + (Date.now() - (held.at ?? 0) < 30_000 ? 10_000 : 0);
    let record = await store.get(held.jobId);
    while (!record && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      record = await store.get(held.jobId);
      // The first request failed and freed the key: nothing to wait for.
      if (!record && (await idempotency.get(key))?.jobId !== held.jobId) break;
    }
    if (!record && Date.now() - (held.at ?? 0) >= 30_000) {
      throw new HttpProblem(410, 'job-gone', 'Job gone', `the job ${held.jobId} this Idempotency-Key created no longer exists (deleted or expired)`);
    }
    if (!record) {
      throw new HttpProblem(409, 'idempotency-key-in-progress', 'Request in progress', 'the first request with this Idempotency-Key has not created its job (yet); retry shortly', undefined, { 'Retry-After': '1' });
    }
    const body: JobAccepted = { id: record.id, status: record.status, created_at: record.created_at, links: jobLinks(record.id) };
    res.status(200).location(body.links.self).setHeader('Idempotent-Replayed', 'true');
    res.json(body);
  }

  router.get('/:id', async (req: Request, res: Response) => {
    const id = jobId(req);
    const wait = parseWait(req.query.wait);
    let record = await store.get(id);
    if (!record) throw notFound(id);
    if (wait > 0 && !isTerminal(record.status) && record.status !== 'awaiting_review') {
      record = (await waitForSettled(deps, id, wait * 1000)) ?? record;
    }
    res.json(toJobView(record));
  });

  router.get('/:id/result', async (req: Request, res: Response) => {
    const id = jobId(req);
    const record = await store.get(id);
    if (!record) throw notFound(id);
    if (record.status !== 'completed') throw notReady(id, record.status);
    const outputs = await store.getOutputs(id, STAGE_IDS);
    res.json(assembleResult(record, outputs));
  });

  router.get('/:id/exports/:format', async (req: Request, res: Response) => {
    const id = jobId(req);
    const format = ExportFormat.safeParse(req.params.format);
    if (!format.success) throw new HttpProblem(404, 'unknown-export-format', 'Unknown export format', `"${req.params.format}" is not one of ${ExportFormat.options.join(', ')}`, [{ field: 'format', message: 'unknown' }]);
    const record = await store.get(id);
    if (!record) throw notFound(id);
    if (record.status !== 'completed') throw notReady(id, record.status);
    const data = await store.getExport(id, format.data);
    if (!data) throw new HttpProblem(404, 'export-not-produced', 'Export not produced', `this job did not produce a ${format.data} export; ask for it in options.export_formats`);
    const { contentType, extension } = EXPORT_CONTENT_TYPES[format.data];
    res.setHeader('Content-Type', contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${id}.${extension}"`);
    res.send(data);
  });

  router.get('/:id/events', async (req: Request, res: Response) => {
    const id = jobId(req);
    if (!(await store.get(id))) throw notFound(id);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    let seq = 0;
    const sendView = async () => {
      const current = await store.get(id);
      if (!current) return true;
      res.write(`id: ${++seq}\nevent: status\ndata: ${JSON.stringify(toJobView(current))}\n\n`);
      return isTerminal(current.status);
    };
    const stop = await deps.events.listen(id, () => {
      void sendView().then((done) => done && close());
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      clearInterval(heartbeat);
      void stop();
      res.end();
    };
    req.on('close', close);
    if (await sendView()) close();
  });

  router.delete('/:id', async (req: Request, res: Response) => {
    const id = jobId(req);
    const record = await store.get(id);
    if (!record) throw notFound(id);
    if (isTerminal(record.status)) {
      await store.delete(id, ExportFormat.options);
      res.status(204).end();
      return;
    }
    // The record first (every stage checks it before it starts), then the running stages and the queues.
    if ((await store.cancel(id)) === 'applied') await queues.cancel(id);
    const after = await store.get(id);
    res.status(202).json(after ? toJobView(after) : { id, status: 'cancelled' });
  });

  return router;
}

function jobId(req: Request): string {
  const id = String(req.params.id);
  if (!JOB_ID.test(id)) throw new HttpProblem(404, 'job-not-found', 'Job not found', `"${id.slice(0, 80)}" is not a job id`);
  return id;
}

function parseWait(raw: unknown): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new HttpProblem(400, 'validation-error', 'Request validation failed', 'wait must be a number of seconds >= 0', [{ field: 'query.wait', message: 'must be a non-negative number' }]);
  return Math.min(n, MAX_WAIT_SECONDS);
}

async function waitForSettled(deps: ApiDeps, id: string, timeoutMs: number) {
  return new Promise<Awaited<ReturnType<typeof deps.store.get>>>((resolve) => {
    let stop: (() => Promise<void>) | undefined;
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      await stop?.();
      resolve(await deps.store.get(id));
    };
    const timer = setTimeout(() => void finish(), timeoutMs);
    void deps.events
      .listen(id, (event) => {
        if (isTerminal(event.status) || event.status === 'awaiting_review') void finish();
      })
      .then(async (unsubscribe) => {
        stop = unsubscribe;
        if (done) return unsubscribe();
        // The job may have settled between the first read and the subscription.
        const now = await deps.store.get(id);
        if (!now || isTerminal(now.status) || now.status === 'awaiting_review') await finish();
      });
  });
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, 'job-not-found', 'Job not found', `no job ${id} (it may have expired)`);
}

function notReady(id: string, status: string): HttpProblem {
  return new HttpProblem(409, 'job-not-completed', 'Job not completed', `job ${id} is ${status}; the result is available once it is completed`);
}

export { sendProblem };
