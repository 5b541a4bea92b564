/** `/v1/jobs`: submit, status (with long-poll), result, exports, events, cancel. */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { inspectImage, ImageValidationError } from '@mpp/imaging';
import { EXPORT_CONTENT_TYPES, ExportFormat, isTerminal, STAGE_IDS, type JobAccepted } from '@mpp/schemas';
import { planFromOptions } from '@mpp/queue';
import { HttpProblem, sendProblem } from '../http/problem';
import { readSubmission } from '../http/submission';
import { assembleResult, jobLinks, toJobView } from '../views';
import type { ApiDeps } from '../deps';

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_WAIT_SECONDS = 60;

export function jobsRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const { config, store, blobs, queues } = deps;
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: config.image.maxBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 12 },
  }).single('image');

  router.post('/', (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next()), async (req: Request, res: Response) => {
    const submission = await readSubmission(req, { maxBytes: config.image.maxBytes, fetchTimeoutMs: 15_000, allowPrivateUrls: config.env.ALLOW_PRIVATE_URLS });
    try {
      await inspectImage(submission.bytes, { minDimension: config.image.minDimension, maxDimension: config.image.maxDimension, maxBytes: config.image.maxBytes });
    } catch (err) {
      if (err instanceof ImageValidationError) {
        throw new HttpProblem(422, 'image-validation-failed', 'Image validation failed', err.checks.map((c) => c.message).join('; '), err.checks.map((c) => ({ field: c.check, message: c.message })));
      }
      throw err;
    }
    const waiting = await queues.waitingTotal();
    if (waiting >= config.env.MAX_QUEUE_DEPTH) {
      throw new HttpProblem(503, 'queue-full', 'Queue full', `${waiting} jobs are waiting; try again later`, undefined, { 'Retry-After': '30' });
    }
    const id = randomUUID();
    const original_ref = await blobs.put(submission.bytes);
    const plan = planFromOptions(submission.options);
    const record = await store.create({
      id,
      options: submission.options,
      metadata: submission.metadata,
      original_ref,
      skipped: plan.skip,
      ...(submission.webhook_url ? { webhook_url: submission.webhook_url } : {}),
    });
    await blobs.touch(original_ref, config.resultTtlSeconds);
    await deps.deadlines.set(id, submission.options.timeout_seconds ?? config.jobTimeoutSeconds);
    await queues.submit(id, plan);
    const body: JobAccepted = { id, status: record.status, created_at: record.created_at, links: jobLinks(id) };
    res.status(202).location(body.links.self).json(body);
  });

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
    await store.cancel(id);
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
