/**
 * @mpp/client: the typed SDK of the mathpix-pipeline API, for Node 20+ and browsers (fetch only).
 *
 *   const client = new PipelineClient({ baseUrl: 'http://localhost:8080', apiKey });
 *   const { id } = await client.submit(bytes, { options: { export_formats: ['markdown'] } });
 *   const view = await client.waitFor(id);
 */
export * from './errors';
export * from './types';
export { PipelineClient, BatchesApi, ReviewsApi, newIdempotencyKey } from './client';
export { Transport, parseRetryAfter, type ClientOptions, type FetchLike } from './transport';
export { verifyWebhook, WebhookVerificationError, type WebhookEvent } from './webhook';
