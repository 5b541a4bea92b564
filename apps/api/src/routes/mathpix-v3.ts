/**
 * `POST /v3/text`: a drop-in for Mathpix's endpoint. Takes Mathpix's request (JSON `src` as URL or
 * data URL, or multipart `file` + `options_json`), runs the pipeline's text path (A, B) and answers
 * synchronously, within `SERVER_REQUEST_TIMEOUT`, with Mathpix's response fields. Like Mathpix,
 * errors are HTTP 200 with `error` / `error_info`, except 401 (credentials) and 429 (the per-key
 * rate limit shared with /v1, or a full queue).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import multer from 'multer';
import { ImageValidationError } from '@mpp/imaging';
import { JobMetadata, MathpixTextRequest, STAGE_IDS, type IngestionOutput, type TextParseOutput } from '@mpp/schemas';
import type { ApiDeps } from '../deps';
import { checkKey, presentedKey } from '../http/access';
import { fetchImage } from '../http/fetch-image';
import { HttpProblem } from '../http/problem';
import { rateLimit } from '../http/rate-limit';
import { decodeBase64Image } from '../http/submission';
import { QueueFullError, submitImageJob, waitForJobToSettle } from '../mathpix/submit-job';
import { jobErrorToMathpix, mathpixError, toMathpixResponse, type MathpixError } from '../mathpix/to-mathpix';

/** Stages the Mathpix path does not need: text comes from B, image size from A. */
const TEXT_ONLY_SKIP = ['vision_parse', 'alignment', 'semantic_graph', 'regeneration', 'human_review'];

export function mathpixV3Router(deps: ApiDeps): Router {
  const router = express.Router();
  const { config } = deps;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: config.image.maxBytes, files: 1, fields: 5, fieldSize: 64 * 1024 } }).single('file');
  const json = express.json({ limit: Math.ceil(config.server.maxRequestBytes * 1.4) + 65_536 });

  router.post(
    '/v3/text',
    async (req, res, next) => {
      if (config.env.API_KEYS.length === 0) return next();
      // The same per-address throttle on failed key checks as /v1 (its 429 answered in Mathpix's shape below).
      const { valid, refused } = await checkKey(req, mathpixKey(req), config.env.API_KEYS, deps.authThrottle);
      if (refused) return next(refused);
      if (valid) return next();
      res.status(401).json({ request_id: randomUUID(), ...mathpixError('http_unauthorized', 'Invalid credentials') });
    },
    // The same per-key budget as /v1, counted after the key check like there.
    rateLimit({ redis: deps.redis, prefix: config.redis.prefix, points: config.env.RATE_LIMIT_REQUESTS, windowSeconds: config.env.RATE_LIMIT_WINDOW_SECONDS, apiKeys: config.env.API_KEYS, logger: deps.logger, keyOf: mathpixKey }),
    (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : json(req, res, next)),
    async (req: Request, res: Response) => {
      // Every answer names a request; once a job exists, its id (follow it at GET /v1/jobs/:id).
      const answer = (body: object) => res.status(200).json('request_id' in body ? body : { request_id: randomUUID(), ...body });
      const parsed = readRequest(req);
      if ('error' in parsed) return answer(parsed);
      const { request, file } = parsed;

      let bytes: Buffer;
      try {
        bytes = file ?? (await imageFromSrc(request.src!, deps));
      } catch (err) {
        if (err instanceof HttpProblem) return answer(err.status === 413 ? mathpixError('image_max_size', 'Image is too large to process') : mathpixError('image_download_error', `Failed to download image: ${err.detail ?? err.title}`));
        throw err;
      }

      let id: string;
      try {
        id = await submitImageJob(deps, bytes, { skip_stages: TEXT_ONLY_SKIP, export_formats: ['json'], enable_human_review: false }, parsed.metadata);
      } catch (err) {
        if (err instanceof ImageValidationError) {
          const big = err.checks.some((c) => c.check === 'file_size' || c.check === 'max_dimensions');
          return answer(big ? mathpixError('image_max_size', 'Image is too large to process', { checks: err.checks }) : mathpixError('image_decode_error', 'Cannot decode image data', { checks: err.checks }));
        }
        if (err instanceof QueueFullError) {
          res.setHeader('Retry-After', '30');
          res.status(429).json({ request_id: randomUUID(), ...mathpixError('http_max_requests', 'Too many requests', { detail: err.message }) });
          return;
        }
        throw err;
      }

      // Leave a second to write the answer before the server's own request timeout fires.
      const record = await waitForJobToSettle(deps, id, config.server.requestTimeoutMs - 1_000);
      if (!record) return answer({ request_id: id, ...mathpixError('sys_exception', 'Job disappeared before it finished') });
      if (record.status === 'failed' || record.status === 'cancelled') return answer({ request_id: id, ...jobErrorToMathpix(record.error) });
      if (record.status !== 'completed') {
        return answer({ request_id: id, ...mathpixError('sys_exception', `Not finished within SERVER_REQUEST_TIMEOUT; follow GET /v1/jobs/${id}`, { job_id: id, status: record.status }) });
      }
      const outputs = await deps.store.getOutputs(id, STAGE_IDS);
      const text = outputs.B as TextParseOutput | undefined;
      if (!text) return answer({ request_id: id, ...mathpixError('sys_exception', 'The text stage produced no output') });
      answer(await toMathpixResponse(id, request, outputs.A as IngestionOutput | undefined, text));
    },
  );
  // Mathpix answers a body it cannot parse with HTTP 200 and `json_syntax`, not with a 400.
  router.use('/v3/text', (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (err instanceof HttpProblem && err.status === 429) {
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      return void res.status(429).json({ request_id: randomUUID(), ...mathpixError('http_max_requests', 'Too many requests', { detail: err.detail }) });
    }
    const type = (err as { type?: string } | null)?.type;
    if (type === 'entity.parse.failed') return void res.status(200).json({ request_id: randomUUID(), ...mathpixError('json_syntax', 'Request body is not valid JSON') });
    if (type === 'entity.too.large' || (err as { code?: string } | null)?.code === 'LIMIT_FILE_SIZE') return void res.status(200).json({ request_id: randomUUID(), ...mathpixError('sys_request_too_large', 'Request is too large') });
    next(err);
  });
  return router;
}

type ParsedRequest = { request: MathpixTextRequest; metadata: JobMetadata; file?: Buffer } | MathpixError;

function readRequest(req: Request): ParsedRequest {
  let raw: unknown = req.body;
  const file = (req as Request & { file?: { buffer: Buffer } }).file?.buffer;
  if (req.is('multipart/form-data')) {
    const fields = (req.body ?? {}) as Record<string, unknown>;
    try {
      raw = typeof fields.options_json === 'string' && fields.options_json.trim() ? JSON.parse(fields.options_json) : {};
    } catch {
      return mathpixError('json_syntax', 'options_json is not valid JSON');
    }
    if (!file) return mathpixError('image_missing', 'Missing URL or file in request');
  }
  if (raw === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return mathpixError('json_syntax', 'Request body must be a JSON object');
  const parsed = MathpixTextRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return mathpixError('opts_bad_value', `Invalid option ${issue.path.join('.') || 'body'}: ${issue.message}`, { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  const request = parsed.data;
  const unknownFormat = request.formats?.find((f) => !['text', 'data', 'html', 'latex_styled'].includes(f));
  if (unknownFormat) return mathpixError('opts_unknown_format', `Unknown format: ${unknownFormat}`);
  if (!file && !request.src) return mathpixError('image_missing', 'Missing URL or file in request');
  // It goes into the job record: the bounds of /v1's metadata (16 KiB, 32 levels), tags included.
  // Unchecked, 5000 nested objects overflowed the stack in the store (a 500) and megabytes were kept.
  const metadata = JobMetadata.safeParse({ source: 'mathpix-v3', ...(request.metadata ?? {}), ...(request.tags ? { tags: request.tags } : {}) });
  if (!metadata.success) return mathpixError('opts_bad_value', `Invalid option metadata: ${metadata.error.issues[0]!.message}`);
  return file ? { request, metadata: metadata.data, file } : { request, metadata: metadata.data };
}

async function imageFromSrc(src: string, deps: ApiDeps): Promise<Buffer> {
  const { config } = deps;
  if (/^data:/i.test(src)) return decodeBase64Image(src, config.image.maxBytes);
  if (!/^https?:\/\//i.test(src)) throw new HttpProblem(400, 'validation-error', 'Bad src', 'src must be an http(s) URL or a data: URL');
  return fetchImage(src, { maxBytes: config.image.maxBytes, fetchTimeoutMs: 15_000, allowPrivateUrls: config.env.ALLOW_PRIVATE_URLS });
}

/** Mathpix's `app_key` header, else this service's own (Bearer / X-API-Key). */
function mathpixKey(req: Request): string | undefined {
  return req.get('app_key') ?? presentedKey(req);
}
