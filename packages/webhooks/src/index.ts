/**
 * @mpp/webhooks: Standard Webhooks 1.0 deliveries. Events and payloads, signing with the
 * `standardwebhooks` library, one delivery attempt over HTTP (timeout, no redirects, the shared
 * SSRF guard of @mpp/url-guard), retry timing, delivery records and dead letters in Redis, and
 * the service that ties them to job status changes. The queue that schedules attempts lives in
 * @mpp/queue.
 */
export * from './events';
export * from './signer';
export * from './backoff';
export * from './deliver';
export * from './delivery-store';
export * from './emission-watch';
export * from './service';
export * from './sweeper';
