/**
 * Reads a job submission from either body shape DESIGN.md allows (multipart `image`, or JSON with
 * `image_base64` / `image_url`) into image bytes plus validated options, metadata and webhook URL.
 */
import type { Request } from 'express';
import { JobMetadata, PipelineOptions } from '@mpp/schemas';
import { z } from 'zod';
import { HttpProblem, zodProblem } from './problem';
import { fetchImage } from './fetch-image';

export interface Submission {
  bytes: Buffer;
  options: PipelineOptions;
  metadata: JobMetadata;
  webhook_url?: string;
  source: 'upload' | 'base64' | 'url';
}

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).max(2048);

export const SubmitJsonBody = z
  .strictObject({
    image_url: HttpUrl.optional(),
    image_base64: z.string().min(1, 'is empty').optional(),
    options: PipelineOptions.optional(),
    metadata: JobMetadata.optional(),
    webhook_url: HttpUrl.optional(),
  })
  .refine((b) => (b.image_url === undefined) !== (b.image_base64 === undefined), {
    message: 'send exactly one of image_url or image_base64 (or a multipart "image" file)',
    path: ['image'],
  });

const MultipartFields = z.strictObject({
  options: z.string().optional(),
  metadata: z.string().optional(),
  webhook_url: HttpUrl.optional(),
});

export interface SubmissionLimits {
  maxBytes: number;
  fetchTimeoutMs: number;
  allowPrivateUrls: boolean;
}

export async function readSubmission(req: Request, limits: SubmissionLimits): Promise<Submission> {
  const file = (req as Request & { file?: { buffer: Buffer; fieldname: string } }).file;
  if (req.is('multipart/form-data')) return readMultipart(req.body as Record<string, unknown> | undefined, file);
  if (!req.is('application/json')) {
    if (!req.headers['content-type']) throw new HttpProblem(400, 'missing-body', 'Missing request body', 'send multipart/form-data with an "image" file, or application/json with image_url or image_base64', [{ field: 'body', message: 'required' }]);
    throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', `content type ${req.headers['content-type']} is not accepted; use multipart/form-data or application/json`);
  }
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new HttpProblem(400, 'missing-body', 'Missing request body', 'the JSON body must be an object with image_url or image_base64', [{ field: 'body', message: 'must be a JSON object' }]);
  }
  const parsed = SubmitJsonBody.safeParse(req.body);
  if (!parsed.success) throw zodProblem(parsed.error, 'body');
  const body = parsed.data;
  const base = { options: body.options ?? PipelineOptions.parse({}), metadata: body.metadata ?? {}, ...(body.webhook_url ? { webhook_url: body.webhook_url } : {}) };
  if (body.image_base64 !== undefined) return { ...base, bytes: decodeBase64Image(body.image_base64, limits.maxBytes), source: 'base64' };
  return { ...base, bytes: await fetchImage(body.image_url!, limits), source: 'url' };
}

function readMultipart(fields: Record<string, unknown> | undefined, file: { buffer: Buffer } | undefined): Submission {
  const parsed = MultipartFields.safeParse(fields ?? {});
  if (!parsed.success) throw zodProblem(parsed.error, 'form');
  if (!file) throw new HttpProblem(400, 'validation-error', 'Missing image', 'the multipart body has no file field named "image"', [{ field: 'image', message: 'required' }]);
  const options = parseJsonField(parsed.data.options, 'options', PipelineOptions);
  const metadata = parseJsonField(parsed.data.metadata, 'metadata', JobMetadata);
  return { bytes: file.buffer, options, metadata, ...(parsed.data.webhook_url ? { webhook_url: parsed.data.webhook_url } : {}), source: 'upload' };
}

function parseJsonField<T extends z.ZodType>(raw: string | undefined, field: string, schema: T): z.output<T> {
  let value: unknown = {};
  if (raw !== undefined && raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} is not valid JSON`, [{ field, message: `not valid JSON: ${(err as Error).message}` }]);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodProblem(parsed.error, field);
  return parsed.data;
}

const DATA_URL = /^data:([a-z]+\/[a-z0-9.+-]+)?(;[a-z-]+=[^;,]+)*;base64,/i;

export function decodeBase64Image(value: string, maxBytes: number): Buffer {
  const payload = value.replace(DATA_URL, '').replace(/\s+/g, '');
  const field = [{ field: 'image_base64', message: '' }];
  if (payload.length === 0) throw new HttpProblem(400, 'validation-error', 'Request validation failed', 'image_base64 holds no data', [{ ...field[0]!, message: 'empty' }]);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(payload)) {
    throw new HttpProblem(400, 'validation-error', 'Request validation failed', 'image_base64 is not valid base64 (raw or a data: URL)', [{ field: 'image_base64', message: 'not base64' }]);
  }
  if (Math.floor((payload.length * 3) / 4) > maxBytes) {
    throw new HttpProblem(413, 'payload-too-large', 'Image too large', `the decoded image exceeds ${maxBytes} bytes`, [{ field: 'image_base64', message: 'too large' }]);
  }
  return Buffer.from(payload, payload.includes('-') || payload.includes('_') ? 'base64url' : 'base64');
}
