/**
 * The API's OpenAPI 3.1 document: every operation the app serves, with request and response
 * bodies taken from the zod schemas (`build.ts` turns them into JSON Schema). A test lists the
 * Express routes (`routes.ts`) and fails when one is neither described here nor in
 * `UNDOCUMENTED_ROUTES`, so a new route cannot ship without its description.
 */
import { z } from 'zod';
import {
  BatchAccepted,
  BatchView,
  EXPORT_CONTENT_TYPES,
  ExportFormat,
  HealthResponse,
  JobAccepted,
  JobView,
  MathpixTextRequest,
  MathpixTextResponse,
  PipelineOptions,
  Problem,
  ReadyResponse,
  ResultDocument,
  ReviewClaimAnswer,
  ReviewClaimRequest,
  ReviewReleaseAnswer,
  ReviewReleaseRequest,
  ReviewDecisionAnswer,
  ReviewDecisionRequest,
  ReviewFeedback,
  ReviewTaskDetail,
  ReviewTaskList,
  ReviewTaskStatus,
} from '@mpp/schemas';
import { PIPELINE_VERSION } from '@mpp/telemetry';
import { SubmitJsonBody } from '../http/submission';
import { buildOpenApi, type OpenApiDocument, type OperationSpec, type ParamSpec, type ResponseSpec } from './build';
import * as R from './responses';
import { BatchJsonBody } from '../routes/batches';
import { DeliveryList, DeliveryView } from '../routes/webhooks';

/** Routes the app serves on purpose without describing them, each with its reason. */
export const UNDOCUMENTED_ROUTES: Array<{ method: string; path: RegExp; reason: string }> = [
  { method: 'GET', path: /^\/$/, reason: 'redirect to the dashboard page' },
  { method: 'GET', path: /^\/(dashboard|review|review\/:id)$/, reason: 'HTML pages for people (docs/review.md), not an API' },
  { method: '*', path: /^\/admin\/queues(\/|$)/, reason: "bull-board's UI and the private API its page calls (third-party, may change with its version)" },
  { method: 'GET', path: /^\/docs(\/init\.js)?$/, reason: 'this document rendered by Swagger UI (page and its start-up script)' },
];

const problem = (description: string, headers?: Record<string, string>): ResponseSpec => ({ description, content: { 'application/problem+json': 'Problem' }, ...(headers ? { headers } : {}) });
const json = (description: string, schema: string): ResponseSpec => ({ description, content: { 'application/json': schema } });
const UNAUTHORIZED = problem('No valid API key (only when `API_KEYS` is set).', { 'WWW-Authenticate': 'Bearer' });
const RATE_LIMITED = problem('Over the rate limit of this API key (or client address): `RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW_SECONDS`; or this client address failed more than `RATE_LIMIT_AUTH_FAILURES` key checks in the window (docs/api.md).', { 'Retry-After': 'Seconds to wait.' });

/** Every `/v1` operation answers 401 without a valid key (when `API_KEYS` is set) and 429 over the rate limit. */
function withAccessResponses(operations: OperationSpec[]): OperationSpec[] {
  return operations.map((op) =>
    op.path.startsWith('/v1/') && op.security !== 'none' ? { ...op, responses: { '401': UNAUTHORIZED, '429': RATE_LIMITED, ...op.responses } } : op,
  );
}
const jobIdParam: ParamSpec = { name: 'id', in: 'path', description: 'Job id (a UUID).', schema: z.string() };
const taskIdParam: ParamSpec = { name: 'id', in: 'path', description: 'Review task id (the job id).', schema: z.string() };

const MultipartSubmit = z.object({
  image: z.string().meta({ contentMediaType: 'application/octet-stream', description: 'The image file (PNG, JPEG, WebP...).' }),
  options: z.string().optional().meta({ description: 'PipelineOptions as a JSON string.' }),
  metadata: z.string().optional().meta({ description: 'Metadata object as a JSON string, echoed back.' }),
  webhook_url: z.string().optional().meta({ description: 'Absolute http(s) URL notified when the job settles.' }),
});

const MultipartMathpix = z.object({
  file: z.string().meta({ contentMediaType: 'application/octet-stream', description: 'The image file.' }),
  options_json: z.string().optional().meta({ description: 'The JSON request options (everything but src), as a string.' }),
});

const jobs: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/jobs',
    operationId: 'submitJob',
    summary: 'Submit an image',
    description: 'Multipart with an `image` file, or JSON with `image_url` or `image_base64`. The job runs asynchronously; follow `links.self`.',
    tags: ['jobs'],
    params: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        description: 'Optional, 1-255 visible ASCII characters, kept 24 h. The same key with the same body (image, options, metadata, webhook_url) answers the same job (200); with another body, 422.',
        schema: z.string().min(1).max(255),
      },
    ],
    requestBody: { content: { 'application/json': 'SubmitJobJson', 'multipart/form-data': MultipartSubmit } },
    responses: {
      '200': { ...json('Replay: this Idempotency-Key already made this job (same body).', 'JobAccepted'), headers: { Location: 'URL of the job.', 'Idempotent-Replayed': '`true`.' } },
      '202': { ...json('Accepted; the job is queued.', 'JobAccepted'), headers: { Location: 'URL of the job.' } },
      '400': problem('Malformed body, invalid options or Idempotency-Key; `errors` names each field.'),
      '409': problem('A request with this Idempotency-Key is still creating its job; retry after `Retry-After`.', { 'Retry-After': 'Seconds to wait.' }),
      '410': problem('The job this Idempotency-Key made was deleted or has expired.'),
      '413': problem('Image or body too large.'),
      '415': problem('Neither multipart/form-data nor application/json.'),
      '422': problem('The image failed validation (dimensions, format, decompression bomb...), image_url or webhook_url points to a private address or could not be fetched, or the Idempotency-Key was used with another body.'),
      '503': problem('Queue full; retry after `Retry-After` seconds.', { 'Retry-After': 'Seconds to wait.' }),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id',
    operationId: 'getJob',
    summary: 'Job status',
    description: 'With `wait`, long-polls (up to 60 s) until the job completes, fails, is cancelled or awaits review.',
    tags: ['jobs'],
    params: [jobIdParam, { name: 'wait', in: 'query', description: 'Seconds to long-poll (0-60).', schema: z.number().min(0) }],
    responses: { '200': json('The job view.', 'JobView'), '400': problem('Bad `wait`.'), '404': problem('No such job (or it expired).') },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/result',
    operationId: 'getJobResult',
    summary: 'Result document of a completed job',
    tags: ['jobs'],
    params: [jobIdParam],
    responses: { '200': json('The versioned result document.', 'ResultDocument'), '404': problem('No such job.'), '409': problem('The job is not completed.') },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/exports/:format',
    operationId: 'getJobExport',
    summary: 'One export file of a completed job',
    tags: ['jobs'],
    params: [jobIdParam, { name: 'format', in: 'path', description: 'Export format.', schema: ExportFormat }],
    responses: {
      '200': {
        description: 'The file, with `Content-Disposition: attachment`.',
        headers: { 'Content-Disposition': 'attachment; filename="<id>.<ext>"' },
        content: Object.fromEntries(ExportFormat.options.map((f) => [EXPORT_CONTENT_TYPES[f].contentType.split(';')[0]!, f === 'json' ? 'ResultDocument' : z.string()])),
      },
      '404': problem('No such job, unknown format, or the format was not asked for.'),
      '409': problem('The job is not completed.'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/events',
    operationId: 'streamJobEvents',
    summary: 'Server-sent events of a job',
    description: 'A `text/event-stream`: one `status` event (data: a JobView as JSON) now and at every change; the stream ends when the job ends.',
    tags: ['jobs'],
    params: [jobIdParam],
    responses: { '200': { description: 'Event stream.', content: { 'text/event-stream': z.string() } }, '404': problem('No such job.') },
  },
  {
    method: 'get',
    path: '/v1/jobs/:id/image',
    operationId: 'getJobImage',
    summary: 'The image the stages worked on',
    description: "Stage A's normalised PNG, or the original when ingestion was skipped.",
    tags: ['jobs'],
    params: [jobIdParam],
    responses: {
      '200': { description: 'Image bytes.', content: { 'image/png': z.string(), 'image/jpeg': z.string(), 'image/webp': z.string() } },
      '401': UNAUTHORIZED,
      '404': problem('No such job, or its image expired.'),
    },
  },
  {
    method: 'delete',
    path: '/v1/jobs/:id',
    operationId: 'cancelJob',
    summary: 'Cancel an unfinished job, or delete a finished one',
    tags: ['jobs'],
    params: [jobIdParam],
    responses: { '202': json('Cancellation recorded; the job view.', 'JobView'), '204': { description: 'The finished job and its data were deleted.' }, '404': problem('No such job.') },
  },
];

const reviews: OperationSpec[] = [
  {
    method: 'get',
    path: '/v1/reviews',
    operationId: 'listReviews',
    summary: 'Review queue',
    description: 'Pending tasks first by escalation, then priority. `status=decided` lists every decided or closed task.',
    tags: ['reviews'],
    params: [
      { name: 'status', in: 'query', description: 'Task status (default pending).', schema: ReviewTaskStatus.or(z.literal('decided')) },
      { name: 'offset', in: 'query', description: 'Skip this many.', schema: z.number().int().min(0) },
      { name: 'limit', in: 'query', description: '1-200, default 50.', schema: z.number().int().min(1).max(200) },
    ],
    responses: { '200': json('A page of tasks.', 'ReviewTaskList'), '400': problem('Bad query.'), '401': UNAUTHORIZED },
  },
  {
    method: 'get',
    path: '/v1/reviews/feedback.jsonl',
    operationId: 'exportReviewFeedback',
    summary: 'Reviewer corrections as JSON lines',
    description: 'One `ReviewFeedback` object per line.',
    tags: ['reviews'],
    responses: { '200': { description: 'NDJSON.', content: { 'application/x-ndjson': z.string() } }, '401': UNAUTHORIZED },
  },
  {
    method: 'get',
    path: '/v1/reviews/:id',
    operationId: 'getReview',
    summary: 'One review task with what a reviewer needs',
    tags: ['reviews'],
    params: [taskIdParam],
    responses: { '200': json('The task, its job and context.', 'ReviewTaskDetail'), '401': UNAUTHORIZED, '404': problem('No such task.') },
  },
  {
    method: 'post',
    path: '/v1/reviews/:id/claim',
    operationId: 'claimReview',
    summary: 'Take (or renew) the lease on a task',
    description: 'Renewing needs the live lease\'s `lease_id`; the reviewer name alone never renews a lease.',
    tags: ['reviews'],
    params: [taskIdParam],
    requestBody: { content: { 'application/json': 'ReviewClaimRequest' } },
    responses: { '200': json('The lease.', 'ReviewClaimAnswer'), '400': problem('Bad body.'), '401': UNAUTHORIZED, '404': problem('No such task.'), '409': problem('Decided already, or leased by someone else.') },
  },
  {
    method: 'post',
    path: '/v1/reviews/:id/release',
    operationId: 'releaseReview',
    summary: 'Give a lease back before it expires',
    tags: ['reviews'],
    params: [taskIdParam],
    requestBody: { content: { 'application/json': 'ReviewReleaseRequest' } },
    responses: { '200': json('Released (or nothing was held).', 'ReviewReleaseAnswer'), '400': problem('Bad body.'), '401': UNAUTHORIZED, '404': problem('No such task.'), '409': problem('Decided already, or leased by someone else.') },
  },
  {
    method: 'post',
    path: '/v1/reviews/:id/decision',
    operationId: 'decideReview',
    summary: 'Approve, modify (with corrections) or reject',
    tags: ['reviews'],
    params: [taskIdParam],
    requestBody: { content: { 'application/json': 'ReviewDecisionRequest' } },
    responses: {
      '200': json('The decided task and the job.', 'ReviewDecisionAnswer'),
      '400': problem('Bad body.'),
      '401': UNAUTHORIZED,
      '404': problem('No such task.'),
      '409': problem('Decided already, leased by someone else (a live lease needs its `lease_id`), or the job no longer waits.'),
      '422': problem('The corrections do not fit the job.'),
    },
  },
];

const admin: OperationSpec[] = [
  { method: 'get', path: '/v1/admin/cache/stats', operationId: 'getCacheStats', summary: 'Stage cache statistics (removes expired entries first)', tags: ['admin'], responses: { '200': json('Per-namespace hits, misses, entries, bytes.', 'CacheStats') } },
  { method: 'delete', path: '/v1/admin/cache', operationId: 'clearCache', summary: 'Clear every cache namespace', tags: ['admin'], responses: { '200': json('The cleared namespaces.', 'CacheCleared') } },
  {
    method: 'delete',
    path: '/v1/admin/cache/:namespace',
    operationId: 'clearCacheNamespace',
    summary: 'Clear one cache namespace',
    tags: ['admin'],
    params: [{ name: 'namespace', in: 'path', description: 'Cache namespace.', schema: z.string() }],
    responses: { '200': json('Entries removed.', 'CacheNamespaceCleared'), '404': problem('Unknown namespace.') },
  },
  { method: 'get', path: '/v1/admin/breakers', operationId: 'listBreakers', summary: 'Circuit breakers of the external providers', tags: ['admin'], responses: { '200': json('One snapshot per provider.', 'BreakerList'), '401': UNAUTHORIZED } },
  {
    method: 'post',
    path: '/v1/admin/breakers/:name/reset',
    operationId: 'resetBreaker',
    summary: "Close a provider's breaker by hand",
    tags: ['admin'],
    params: [{ name: 'name', in: 'path', description: 'mathpix, anthropic or gemini.', schema: z.string() }],
    responses: { '200': json('The breaker after the reset.', 'BreakerReset'), '401': UNAUTHORIZED, '404': problem('Unknown provider.') },
  },
];

const MultipartBatch = z.object({
  image: z.array(z.string().meta({ contentMediaType: 'application/octet-stream' })).meta({ description: 'Many image files, all under the field name `image` (at most 100).' }),
  options: z.string().optional().meta({ description: 'PipelineOptions as a JSON string, for every item.' }),
  metadata: z.string().optional().meta({ description: 'Metadata object as a JSON string, for every item.' }),
  webhook_url: z.string().optional().meta({ description: "Receives every item's job events and `batch.completed`." }),
});

// docs/webhooks.md
const webhooksAndBatches: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/batches',
    operationId: 'submitBatch',
    summary: 'Submit many images as one batch',
    description: 'Every item is checked before any job is created (one bad item refuses the batch, naming it); then one job per item. `batch.completed` is sent when every item ended.',
    tags: ['batches'],
    requestBody: { content: { 'application/json': 'BatchJson', 'multipart/form-data': MultipartBatch } },
    responses: {
      '202': { ...json('Accepted; one job per item.', 'BatchAccepted'), headers: { Location: 'URL of the batch.' } },
      '400': problem('Malformed body, no items, too many items, or invalid options; `errors` names each field.'),
      '413': problem('An image or the body is too large, or the images together pass `BATCH_MAX_TOTAL_SIZE_MB`.'),
      '415': problem('Neither multipart/form-data nor application/json.'),
      '422': problem('An item failed image validation, or webhook_url is not allowed.'),
      '503': problem('Queue full; retry after `Retry-After` seconds.', { 'Retry-After': 'Seconds to wait.' }),
    },
  },
  {
    method: 'get',
    path: '/v1/batches/:id',
    operationId: 'getBatch',
    summary: 'Batch status: every item and the counts',
    tags: ['batches'],
    params: [{ name: 'id', in: 'path', description: 'Batch id (a UUID).', schema: z.string() }],
    responses: { '200': json('The batch view.', 'BatchView'), '404': problem('No such batch (or it expired).') },
  },
  {
    method: 'get',
    path: '/v1/webhooks/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'Webhook deliveries by status (`failed` = dead letters)',
    tags: ['webhooks'],
    params: [
      { name: 'status', in: 'query', description: 'pending, delivered or failed (default failed).', schema: z.enum(['pending', 'delivered', 'failed']) },
      { name: 'limit', in: 'query', description: '1-500, default 50.', schema: z.number().int().min(1).max(500) },
      { name: 'offset', in: 'query', description: 'Skip this many (newest first).', schema: z.number().int().min(0) },
    ],
    responses: { '200': json('A page of deliveries.', 'WebhookDeliveryList'), '400': problem('Bad query.') },
  },
  {
    method: 'post',
    path: '/v1/webhooks/deliveries/:id/redeliver',
    operationId: 'redeliverWebhook',
    summary: 'Send a delivery again (same webhook-id and body)',
    tags: ['webhooks'],
    params: [{ name: 'id', in: 'path', description: 'Delivery id (`msg_...`).', schema: z.string() }],
    responses: { '202': json('A new round of attempts was queued.', 'WebhookDelivery'), '404': problem('No such delivery.'), '409': problem('The delivery is still pending.') },
  },
];

const ops: OperationSpec[] = [
  { method: 'get', path: '/health', operationId: 'health', summary: 'Liveness', tags: ['ops'], security: 'none', responses: { '200': json('The process answers.', 'HealthResponse') } },
  { method: 'get', path: '/ready', operationId: 'ready', summary: 'Readiness (Redis, workers, providers)', tags: ['ops'], security: 'none', responses: { '200': json('Ready.', 'ReadyResponse'), '503': json('Not ready.', 'ReadyResponse') } },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tags: ['ops'],
    security: 'none',
    responses: { '200': { description: 'Prometheus text exposition.', content: { 'text/plain': z.string() } }, '404': problem('PROMETHEUS_ENABLED is false.') },
  },
  { method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This document', tags: ['ops'], security: 'none', responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': z.record(z.string(), z.unknown()) } } } },
];

const mathpix: OperationSpec[] = [
  {
    method: 'post',
    path: '/v3/text',
    operationId: 'mathpixText',
    summary: 'Mathpix-compatible text recognition (synchronous)',
    description:
      "Accepts Mathpix's `v3/text` request (JSON with `src` as URL or data URL, or multipart `file` + `options_json`) and answers with Mathpix's fields within SERVER_REQUEST_TIMEOUT. Like Mathpix, failures are HTTP 200 with `error` / `error_info`. See docs/mathpix-compat.md for the honoured options.",
    tags: ['mathpix'],
    security: 'mathpix',
    params: [
      { name: 'app_id', in: 'header', description: 'Informational.', schema: z.string() },
      { name: 'app_key', in: 'header', description: 'One of API_KEYS (when set).', schema: z.string() },
    ],
    requestBody: { content: { 'application/json': 'MathpixTextRequest', 'multipart/form-data': MultipartMathpix } },
    responses: {
      '200': json('The recognised text, or `error` / `error_info`.', 'MathpixTextResponse'),
      '401': json('Invalid credentials.', 'MathpixTextResponse'),
      '429': { ...json('Rate limited (the per-key budget shared with /v1), or too many waiting jobs: `http_max_requests`.', 'MathpixTextResponse'), headers: { 'Retry-After': 'Seconds to wait.' } },
    },
  },
];

/** Every /v1 route sits behind the API key check and the rate limit (app.ts). */
function withV1Guards(op: OperationSpec): OperationSpec {
  if (!op.path.startsWith('/v1/')) return op;
  return {
    ...op,
    responses: {
      ...op.responses,
      '401': op.responses['401'] ?? UNAUTHORIZED,
      '429': op.responses['429'] ?? problem('Rate limited (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS).', { 'Retry-After': 'Seconds to wait.', 'RateLimit-Limit': 'Requests per window.', 'RateLimit-Remaining': 'Requests left.', 'RateLimit-Reset': 'Seconds until the window resets.' }),
    },
  };
}

let cached: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  cached ??= buildOpenApi({
    title: 'mathpix-pipeline API',
    version: PIPELINE_VERSION,
    description: 'Turns images of math into structured, checked content. Errors are RFC 9457 problem documents (`application/problem+json`).',
    components: {
      Problem: [Problem, 'output'],
      SubmitJobJson: [SubmitJsonBody, 'input'],
      PipelineOptions: [PipelineOptions, 'input'],
      JobAccepted: [JobAccepted, 'output'],
      JobView: [JobView, 'output'],
      ResultDocument: [ResultDocument, 'output'],
      HealthResponse: [HealthResponse, 'output'],
      ReadyResponse: [ReadyResponse, 'output'],
      ReviewTaskList: [ReviewTaskList, 'output'],
      ReviewTaskDetail: [ReviewTaskDetail, 'output'],
      ReviewClaimRequest: [ReviewClaimRequest, 'input'],
      ReviewClaimAnswer: [ReviewClaimAnswer, 'output'],
      ReviewReleaseRequest: [ReviewReleaseRequest, 'input'],
      ReviewReleaseAnswer: [ReviewReleaseAnswer, 'output'],
      ReviewDecisionRequest: [ReviewDecisionRequest, 'input'],
      ReviewDecisionAnswer: [ReviewDecisionAnswer, 'output'],
      ReviewFeedback: [ReviewFeedback, 'output'],
      CacheStats: [R.CacheStats, 'output'],
      CacheCleared: [R.CacheCleared, 'output'],
      CacheNamespaceCleared: [R.CacheNamespaceCleared, 'output'],
      BreakerList: [R.BreakerList, 'output'],
      BreakerReset: [R.BreakerReset, 'output'],
      MathpixTextRequest: [MathpixTextRequest, 'input'],
      MathpixTextResponse: [MathpixTextResponse, 'output'],
      BatchJson: [BatchJsonBody, 'input'],
      BatchAccepted: [BatchAccepted, 'output'],
      BatchView: [BatchView, 'output'],
      WebhookDelivery: [DeliveryView, 'output'],
      WebhookDeliveryList: [DeliveryList, 'output'],
    },
    operations: withAccessResponses([...jobs, ...reviews, ...admin, ...ops, ...mathpix, ...webhooksAndBatches]),
  });
  return cached;
}
