/**
 * `/v1/batches`: many images under one id. `POST` takes a multipart body with many `image` files
 * (and optional `options`, `metadata`, `webhook_url` fields applying to all), or JSON
 * `{items: [{image_url | image_base64, options?, metadata?}], options?, metadata?, webhook_url?}`
 * where an item's options and metadata are merged over the batch's. Every item is read and
 * checked before anything is created (one bad item refuses the batch, naming it), all of them
 * together within `BATCH_MAX_TOTAL_SIZE_MB` (413 beyond, whether uploaded, decoded or
 * downloaded, so a batch never holds more than that in memory); then one job
 * per item goes through the same path as `POST /v1/jobs`. `batch.completed` is sent once, when
 * every item has ended (see docs/webhooks.md).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import multer from 'multer';
import { JobMetadata, PipelineOptions, type JobStatus } from '@mpp/schemas';
import type { BatchStore } from '@mpp/store';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { boundedMemoryStorage, declaredSizeLimit } from '../http/bounded-upload';
import { checkSubmission, createJob } from '../http/create-job';
import { fetchImage } from '../http/fetch-image';
import { HttpProblem, zodProblem } from '../http/problem';
import { decodeBase64Image, type Submission } from '../http/submission';
import { assertPublicUrl } from '../http/url-guard';
import { jobLinks } from '../views';

export const BATCH_MAX_ITEMS = 100;
const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2048);
const RawOptions = z.record(z.string(), z.unknown());

export const BatchItem = z
  .strictObject({
    image_url: HttpUrl.optional(),
    image_base64: z.string().min(1, 'is empty').optional(),
    options: RawOptions.optional(),
    metadata: JobMetadata.optional(),
  })
  .refine((b) => (b.image_url === undefined) !== (b.image_base64 === undefined), { message: 'send exactly one of image_url or image_base64', path: ['image'] });

export const BatchJsonBody = z.strictObject({
  items: z.array(BatchItem).min(1, 'a batch needs at least one item').max(BATCH_MAX_ITEMS, `at most ${BATCH_MAX_ITEMS} items per batch`),
  options: RawOptions.optional(),
  metadata: JobMetadata.optional(),
  webhook_url: HttpUrl.optional(),
});

const MultipartFields = z.strictObject({ options: z.string().optional(), metadata: z.string().optional(), webhook_url: HttpUrl.optional() });

const COUNTED: Array<JobStatus | 'expired'> = ['queued', 'running', 'awaiting_review', 'completed', 'failed', 'cancelled', 'expired'];
const ENDED = new Set(['completed', 'failed', 'cancelled', 'expired']);

export function batchesRouter(deps: ApiDeps, batches: BatchStore): Router {
  const router = express.Router();
  const { config } = deps;
  const maxTotal = config.server.maxBatchBytes;
  const tooLarge = () => batchTooLarge(maxTotal, 'image');
  const upload = multer({
    storage: boundedMemoryStorage(maxTotal, tooLarge),
    limits: { fileSize: Math.min(config.image.maxBytes, maxTotal), files: BATCH_MAX_ITEMS, fields: 10, fieldSize: 64 * 1024, parts: BATCH_MAX_ITEMS + 12 },
  }).array('image', BATCH_MAX_ITEMS);
  const multipartOnly = (handler: RequestHandler): RequestHandler => (req, res, next) => (req.is('multipart/form-data') ? handler(req, res, next) : next());

  router.post('/', multipartOnly(declaredSizeLimit(maxTotal, tooLarge)), multipartOnly(upload), async (req: Request, res: Response) => {
    const read = req.is('multipart/form-data') ? readMultipart(req) : await readJson(req, deps);
    for (const [n, submission] of read.submissions.entries()) await checkSubmission(deps, submission, `items[${n}].`);
    if (read.webhook_url) await assertPublicUrl(read.webhook_url, config.env.ALLOW_PRIVATE_URLS, 'webhook_url');
    const { admitted, waiting } = await deps.queues.admit(read.submissions.length, config.env.MAX_QUEUE_DEPTH);
    if (!admitted) {
      throw new HttpProblem(503, 'queue-full', 'Queue full', `${waiting} jobs are waiting; a batch of ${read.submissions.length} does not fit; try again later`, undefined, { 'Retry-After': '30' });
    }
    const id = randomUUID();
    const jobIds = read.submissions.map(() => randomUUID());
    // The batch exists before its first item can end, so no item's end is missed.
    const batch = await batches.create({ id, job_ids: jobIds, ...(read.webhook_url ? { webhook_url: read.webhook_url } : {}) });
    for (const [n, submission] of read.submissions.entries()) {
      await createJob(deps, { ...submission, ...(read.webhook_url ? { webhook_url: read.webhook_url } : {}) }, jobIds[n]!);
    }
    const self = `/v1/batches/${id}`;
    res.status(202).location(self).json({ id, status: 'processing', created_at: batch.created_at, total: jobIds.length, items: jobIds.map((job_id, index) => ({ index, job_id, links: { self: jobLinks(job_id).self } })), links: { self } });
  });

  router.get('/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const batch = BATCH_ID.test(id) ? await batches.get(id) : null;
    if (!batch) throw new HttpProblem(404, 'batch-not-found', 'Batch not found', `no batch ${id.slice(0, 80)} (it may have expired)`);
    const pipeline = deps.redis.pipeline();
    for (const jobId of batch.job_ids) pipeline.hget(deps.store.keys.job(jobId), 'status');
    const statuses = ((await pipeline.exec()) ?? []).map(([, v]) => (typeof v === 'string' ? v : 'expired'));
    const counts = Object.fromEntries(COUNTED.map((s) => [s, 0])) as Record<string, number>;
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    const done = statuses.every((s) => ENDED.has(s));
    res.json({
      id: batch.id,
      status: done ? 'completed' : 'processing',
      created_at: batch.created_at,
      completed_at: batch.completed_at,
      total: batch.job_ids.length,
      counts,
      items: batch.job_ids.map((job_id, index) => ({ index, job_id, status: statuses[index], links: { self: jobLinks(job_id).self } })),
      links: { self: `/v1/batches/${batch.id}` },
    });
  });

  return router;
}

interface ReadBatch {
  submissions: Submission[];
  webhook_url?: string;
}

function parseOptions(raw: Record<string, unknown>, field: string): PipelineOptions {
  const parsed = PipelineOptions.safeParse(raw);
  if (!parsed.success) throw zodProblem(parsed.error, field);
  return parsed.data;
}

async function readJson(req: Request, deps: ApiDeps): Promise<ReadBatch> {
  if (!req.is('application/json')) {
    if (!req.headers['content-type']) throw new HttpProblem(400, 'missing-body', 'Missing request body', 'send multipart/form-data with "image" files, or application/json with items', [{ field: 'body', message: 'required' }]);
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', `content type ${req.headers['content-type']} is not accepted; use multipart/form-data or application/json`);
  }
  const parsed = BatchJsonBody.safeParse(req.body);
  if (!parsed.success) throw zodProblem(parsed.error, 'body');
  const body = parsed.data;
  const perImage = deps.config.image.maxBytes;
  const maxTotal = deps.config.server.maxBatchBytes;
  const submissions: Submission[] = [];
  let total = 0;
  for (const [n, item] of body.items.entries()) {
    const options = parseOptions({ ...(body.options ?? {}), ...(item.options ?? {}) }, `items[${n}].options`);
    const metadata = { ...(body.metadata ?? {}), ...(item.metadata ?? {}) };
    // Each image may take what is left of the batch's budget, so a download stops as soon as the batch is over it.
    const left = maxTotal - total;
    const limits = { maxBytes: Math.min(perImage, left), fetchTimeoutMs: 15_000, allowPrivateUrls: deps.config.env.ALLOW_PRIVATE_URLS };
    let bytes: Buffer;
    try {
      bytes = item.image_base64 !== undefined ? decodeBase64Image(item.image_base64, limits.maxBytes) : await fetchImage(item.image_url!, limits);
    } catch (err) {
      if (err instanceof HttpProblem && err.status === 413 && left < perImage) throw batchTooLarge(maxTotal, `items[${n}]`);
      throw err;
    }
    total += bytes.byteLength;
    submissions.push({ bytes, options, metadata, source: item.image_base64 !== undefined ? 'base64' : 'url' });
  }
  return { submissions, ...(body.webhook_url ? { webhook_url: body.webhook_url } : {}) };
}

function readMultipart(req: Request): ReadBatch {
  const parsed = MultipartFields.safeParse(req.body ?? {});
  if (!parsed.success) throw zodProblem(parsed.error, 'form');
  const files = ((req as Request & { files?: Array<{ buffer: Buffer }> }).files ?? []) as Array<{ buffer: Buffer }>;
  if (files.length === 0) throw new HttpProblem(400, 'validation-error', 'Missing images', 'the multipart body has no file field named "image"', [{ field: 'image', message: 'required' }]);
  const options = parseOptions(jsonField(parsed.data.options, 'options'), 'options');
  const metadataRaw = jsonField(parsed.data.metadata, 'metadata');
  const metadata = JobMetadata.safeParse(metadataRaw);
  if (!metadata.success) throw zodProblem(metadata.error, 'metadata');
  return { submissions: files.map((f) => ({ bytes: f.buffer, options, metadata: metadata.data, source: 'upload' as const })), ...(parsed.data.webhook_url ? { webhook_url: parsed.data.webhook_url } : {}) };
}

function batchTooLarge(maxTotal: number, field: string): HttpProblem {
  return new HttpProblem(413, 'payload-too-large', 'Batch too large', `the images of one batch may hold at most ${maxTotal} bytes together (BATCH_MAX_TOTAL_SIZE_MB); send fewer or smaller images per batch`, [{ field, message: 'batch too large' }]);
}

function jsonField(raw: string | undefined, field: string): Record<string, unknown> {
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} is not a valid JSON object`, [{ field, message: (err as Error).message }]);
  }
}
