/**
 * The environment, parsed once at start-up by one zod schema. Every variable of the deployment
 * guide's tables is here with its default, plus the distributed system's own. Nothing else in the
 * code base reads `process.env`.
 */
import { z } from 'zod';
import { parseStageRef, STAGE_IDS, type StageId } from '@mpp/schemas';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));
const num = (def: number, min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().min(min).max(max).default(def));
const bool = (def: boolean) =>
  z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0', 'yes', 'no']).default(def ? 'true' : 'false').transform((v) => v === 'true' || v === '1' || v === 'yes'));
const optionalUrl = () => z.preprocess(emptyToUndefined, z.url().optional());
const urlWithDefault = (def: string) => z.preprocess(emptyToUndefined, z.url().default(def));

const LOG_LEVELS = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', WARN: 'warn', ERROR: 'error', TRACE: 'trace', FATAL: 'fatal', SILENT: 'silent' } as const;
const LogLevel = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('INFO')
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(Object.keys(LOG_LEVELS) as [keyof typeof LOG_LEVELS, ...Array<keyof typeof LOG_LEVELS>]))
    .transform((v) => LOG_LEVELS[v]),
);

const WorkerStages = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .default('all')
    .transform((value, ctx): StageId[] => {
      if (value.trim().toLowerCase() === 'all') return [...STAGE_IDS];
      const ids = new Set<StageId>();
      for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
        const id = parseStageRef(part);
        if (!id) {
          ctx.addIssue({ code: 'custom', message: `unknown stage "${part}" (use A-H, stage names, or "all")` });
          return z.NEVER;
        }
        ids.add(id);
      }
      if (ids.size === 0) {
        ctx.addIssue({ code: 'custom', message: 'names no stage' });
        return z.NEVER;
      }
      return STAGE_IDS.filter((id) => ids.has(id));
    }),
);

const ApiKeys = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((k) => k.trim()).filter(Boolean) : [])),
);

export const EnvSchema = z.object({
  // Provider credentials (deployment guide: required / optional variables)
  MATHPIX_APP_ID: optionalString,
  MATHPIX_APP_KEY: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  GEMINI_API_KEY: optionalString,
  MATHPIX_API_URL: urlWithDefault('https://api.mathpix.com'),
  ANTHROPIC_BASE_URL: optionalUrl(),
  GEMINI_BASE_URL: optionalUrl(),
  ANTHROPIC_MODEL: z.preprocess(emptyToUndefined, z.string().default('claude-sonnet-4-5')),
  GEMINI_MODEL: z.preprocess(emptyToUndefined, z.string().default('gemini-2.5-flash')),

  // Pipeline configuration
  PIPELINE_WORKERS: int(4, 1, 256),
  /** tesseract workers per process (each ~55 MB); unset: PIPELINE_WORKERS, at most 2. */
  OCR_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).optional()),
  PIPELINE_LOG_LEVEL: LogLevel,
  PIPELINE_CACHE_DIR: z.preprocess(emptyToUndefined, z.string().default('.cache/mathpix_pipeline')),
  PIPELINE_CACHE_TTL: int(3600, 0),
  PIPELINE_CACHE_MAX_SIZE_MB: int(500, 1),
  PIPELINE_MEMORY_CACHE_ITEMS: int(1000, 0),
  PIPELINE_RESULT_TTL: int(604_800, 60),
  PIPELINE_IMAGE_TTL: int(86_400, 60),
  PIPELINE_JOB_TIMEOUT: int(3600, 1, 7 * 86_400),
  PIPELINE_MAX_IMAGE_DIMENSION: int(4096, 50, 16_384),
  PIPELINE_MIN_IMAGE_DIMENSION: int(50, 1, 4096),
  REVIEW_THRESHOLD: num(0.7, 0, 1),
  REVIEW_LEASE_SECONDS: int(900, 1, 86_400),
  REVIEW_EXPIRY_HOURS: num(48, 0.001, 24 * 365),
  REVIEW_EXPIRY_ACTION: z.preprocess(emptyToUndefined, z.enum(['escalate', 'reject']).default('escalate')),
  REVIEW_RECHECK_SECONDS: int(300, 1, 86_400),
  QUEUE_DASHBOARD_READ_ONLY: bool(true),
  ALIGNMENT_BASE_THRESHOLD: num(0.6, 0, 1),
  ALIGNMENT_POSITION_WEIGHT: num(0.4, 0, 1),
  ALIGNMENT_SEMANTIC_WEIGHT: num(0.6, 0, 1),

  // Circuit breaker
  CB_FAILURE_THRESHOLD: int(5, 1),
  CB_SUCCESS_THRESHOLD: int(2, 1),
  CB_TIMEOUT_SECONDS: num(60, 0.1, 86_400),
  CB_HALF_OPEN_MAX_CALLS: int(1, 1),

  // External provider calls (docs/providers.md)
  PROVIDER_TIMEOUT_SECONDS: num(30, 0.05, 600),
  PROVIDER_MAX_RETRIES: int(2, 0, 10),
  PROVIDER_MAX_CONCURRENCY: int(8, 1, 1000),
  PROVIDER_RATE_LIMIT_MAX_WAIT_SECONDS: num(120, 0, 3600),
  PRICE_MATHPIX_PER_CALL_USD: num(0.004, 0, 100),
  PRICE_ANTHROPIC_INPUT_PER_MTOK_USD: num(3, 0, 10_000),
  PRICE_ANTHROPIC_OUTPUT_PER_MTOK_USD: num(15, 0, 10_000),
  PRICE_GEMINI_INPUT_PER_MTOK_USD: num(0.3, 0, 10_000),
  PRICE_GEMINI_OUTPUT_PER_MTOK_USD: num(2.5, 0, 10_000),

  // Server
  SERVER_HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  SERVER_PORT: int(8080, 0, 65_535),
  /** Conventional alias; wins over SERVER_PORT when set (platforms inject PORT). */
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65_535).optional()),
  SERVER_REQUEST_TIMEOUT: int(300, 1),
  SERVER_MAX_REQUEST_SIZE_MB: int(50, 1, 1024),
  /** All images of one batch together, in MB: a batch is read into memory before its jobs are created. */
  BATCH_MAX_TOTAL_SIZE_MB: int(100, 1, 10_240),
  API_KEYS: ApiKeys,
  MAX_QUEUE_DEPTH: int(10_000, 1),
  /** Requests per API key (per client address without keys) in each window on /v1; 0 = no limit. */
  RATE_LIMIT_REQUESTS: int(1200, 0),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
  /** Failed API-key checks per client address in each window before the address gets 429 until it ends; 0 = no limit. */
  RATE_LIMIT_AUTH_FAILURES: int(20, 0),
  ALLOW_PRIVATE_URLS: bool(false),
  WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must look like whsec_<base64>').optional()),
  PUBLIC_BASE_URL: optionalUrl(),
  // Webhooks (docs/webhooks.md)
  WEBHOOK_DEFAULT_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  WEBHOOK_MAX_ATTEMPTS: int(12, 1, 100),
  WEBHOOK_BACKOFF_BASE_SECONDS: num(40, 0.001, 86_400),
  WEBHOOK_TIMEOUT_SECONDS: num(15, 0.05, 300),
  WEBHOOK_CONCURRENCY: int(10, 1, 1000),
  WORKER_WEBHOOKS: bool(true),

  // Workers
  WORKER_STAGES: WorkerStages,
  WORKER_METRICS_PORT: int(9464, 0, 65_535),
  WORKER_SHUTDOWN_GRACE_SECONDS: int(30, 0, 3600),

  // Redis
  REDIS_URL: z.preprocess(emptyToUndefined, z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379')),
  REDIS_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only').default('mpp')),

  // Observability
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
  OTEL_SERVICE_NAME: z.preprocess(emptyToUndefined, z.string().default('mathpix-pipeline')),
  PROMETHEUS_ENABLED: bool(true),
});

export type Env = z.output<typeof EnvSchema>;

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly issues: Array<{ variable: string; message: string }>) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (default `process.env`); throws `ConfigError` naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(env)'), message: i.message })));
  }
  return result.data;
}

/** Names of every variable the schema reads (used by tests that check manifests and `.env.example`). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as Array<keyof Env>;
