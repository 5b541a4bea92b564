/** The typed configuration apps hand to packages, derived from the parsed environment. */
import type { Env } from './env';

export interface PipelineConfig {
  env: Env;
  redis: { url: string; prefix: string };
  /** `maxBatchBytes`: all images of one `POST /v1/batches` together (`BATCH_MAX_TOTAL_SIZE_MB`). */
  server: { host: string; port: number; requestTimeoutMs: number; maxRequestBytes: number; maxBatchBytes: number };
  image: { minDimension: number; maxDimension: number; maxBytes: number; ttlSeconds: number };
  resultTtlSeconds: number;
  /** Deadline of a job without its own `timeout_seconds`. */
  jobTimeoutSeconds: number;
  worker: { stages: Env['WORKER_STAGES']; concurrency: number; metricsPort: number; shutdownGraceMs: number };
  /** The OCR engine's pool of tesseract workers per process (`OCR_WORKERS`). */
  ocr: { workers: number };
  review: { threshold: number; leaseSeconds: number; expiryHours: number; expiryAction: 'escalate' | 'reject'; recheckSeconds: number };
  alignment: { base_alignment_threshold: number; position_weight: number; semantic_weight: number };
  providers: {
    mathpix: { appId?: string; appKey?: string; baseUrl: string };
    anthropic: { apiKey?: string; baseUrl?: string; model: string };
    gemini: { apiKey?: string; baseUrl?: string; model: string };
  };
  breaker: { failureThreshold: number; successThreshold: number; timeoutMs: number; halfOpenMaxCalls: number };
  /** Webhook deliveries (docs/webhooks.md). */
  webhooks: { secret?: string; defaultUrl?: string; publicBaseUrl?: string; maxAttempts: number; backoffBaseMs: number; timeoutMs: number; concurrency: number; consume: boolean; allowPrivateUrls: boolean };
  /** Policies around every external provider call, and prices for the usage estimate. */
  providerCalls: { timeoutMs: number; maxRetries: number; concurrency: number; rateLimitMaxWaitMs: number };
  prices: {
    mathpix: { perCallUsd: number };
    anthropic: { inputPerMTokUsd: number; outputPerMTokUsd: number };
    gemini: { inputPerMTokUsd: number; outputPerMTokUsd: number };
  };
}

export function buildConfig(env: Env): PipelineConfig {
  const maxRequestBytes = env.SERVER_MAX_REQUEST_SIZE_MB * 1024 * 1024;
  return {
    env,
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    server: { host: env.SERVER_HOST, port: env.PORT ?? env.SERVER_PORT, requestTimeoutMs: env.SERVER_REQUEST_TIMEOUT * 1000, maxRequestBytes, maxBatchBytes: env.BATCH_MAX_TOTAL_SIZE_MB * 1024 * 1024 },
    image: { minDimension: env.PIPELINE_MIN_IMAGE_DIMENSION, maxDimension: env.PIPELINE_MAX_IMAGE_DIMENSION, maxBytes: maxRequestBytes, ttlSeconds: env.PIPELINE_IMAGE_TTL },
    resultTtlSeconds: env.PIPELINE_RESULT_TTL,
    jobTimeoutSeconds: env.PIPELINE_JOB_TIMEOUT,
    worker: { stages: env.WORKER_STAGES, concurrency: env.PIPELINE_WORKERS, metricsPort: env.WORKER_METRICS_PORT, shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_SECONDS * 1000 },
    // OCR is CPU-bound and each tesseract worker holds ~55 MB: more workers than the pod's 1-2
    // cores only cost memory (16 would take ~900 MB of worker-io's 1 GiB), so 2 unless told.
    ocr: { workers: env.OCR_WORKERS ?? Math.min(env.PIPELINE_WORKERS, 2) },
    review: {
      threshold: env.REVIEW_THRESHOLD,
      leaseSeconds: env.REVIEW_LEASE_SECONDS,
      expiryHours: env.REVIEW_EXPIRY_HOURS,
      expiryAction: env.REVIEW_EXPIRY_ACTION,
      recheckSeconds: env.REVIEW_RECHECK_SECONDS,
    },
    alignment: { base_alignment_threshold: env.ALIGNMENT_BASE_THRESHOLD, position_weight: env.ALIGNMENT_POSITION_WEIGHT, semantic_weight: env.ALIGNMENT_SEMANTIC_WEIGHT },
    providers: {
      mathpix: { appId: env.MATHPIX_APP_ID, appKey: env.MATHPIX_APP_KEY, baseUrl: env.MATHPIX_API_URL },
      anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.ANTHROPIC_MODEL },
      gemini: { apiKey: env.GEMINI_API_KEY, baseUrl: env.GEMINI_BASE_URL, model: env.GEMINI_MODEL },
    },
    webhooks: {
      secret: env.WEBHOOK_SECRET,
      defaultUrl: env.WEBHOOK_DEFAULT_URL,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: env.WEBHOOK_BACKOFF_BASE_SECONDS * 1000,
      timeoutMs: env.WEBHOOK_TIMEOUT_SECONDS * 1000,
      concurrency: env.WEBHOOK_CONCURRENCY,
      consume: env.WORKER_WEBHOOKS,
      allowPrivateUrls: env.ALLOW_PRIVATE_URLS,
    },
    breaker: { failureThreshold: env.CB_FAILURE_THRESHOLD, successThreshold: env.CB_SUCCESS_THRESHOLD, timeoutMs: env.CB_TIMEOUT_SECONDS * 1000, halfOpenMaxCalls: env.CB_HALF_OPEN_MAX_CALLS },
    providerCalls: {
      timeoutMs: env.PROVIDER_TIMEOUT_SECONDS * 1000,
      maxRetries: env.PROVIDER_MAX_RETRIES,
      concurrency: env.PROVIDER_MAX_CONCURRENCY,
      rateLimitMaxWaitMs: env.PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS * 1000,
    },
    prices: {
      mathpix: { perCallUsd: env.PRICE_MATHPIX_PER_CALL_USD },
      anthropic: { inputPerMTokUsd: env.PRICE_ANTHROPIC_INPUT_PER_MTOK_USD, outputPerMTokUsd: env.PRICE_ANTHROPIC_OUTPUT_PER_MTOK_USD },
      gemini: { inputPerMTokUsd: env.PRICE_GEMINI_INPUT_PER_MTOK_USD, outputPerMTokUsd: env.PRICE_GEMINI_OUTPUT_PER_MTOK_USD },
    },
  };
}

