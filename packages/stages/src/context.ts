/**
 * What a stage function receives besides its upstream outputs. Stages never import bullmq,
 * express, ioredis or an SDK: the worker app hands them these narrow interfaces.
 */
import type {
  PipelineOptions,
  StageId,
  StageInputs,
  StageOutputs,
  TextParseOutput,
  VisionParseOutput,
  ExportFormat,
} from '@mpp/schemas';

export interface StageLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Content-addressed image bytes (the store keeps them under their sha256, with a TTL). */
export interface BlobAccess {
  /** Stores bytes for the job: kept at least as long as the job's record. */
  put(data: Buffer): Promise<string>;
  get(ref: string): Promise<Buffer>;
}

/** Hints a provider may use; all optional. */
export interface ProviderCallOptions {
  signal: AbortSignal;
  /** Layout from stage C when B runs after it, or text lines from B for C; usually absent. */
  hints?: Record<string, unknown>;
}

/** What a provider returns: a stage output without the timing the stage measures itself. */
export type TextResult = Omit<TextParseOutput, 'duration_ms' | 'provider' | 'fallback_reason'>;
export type VisionResult = Omit<VisionParseOutput, 'duration_ms' | 'provider' | 'fallback_reason'>;

export interface TextProvider {
  /** Name used in `options.providers`, in stage outputs and in metrics (`local`, `mathpix`). */
  readonly name: string;
  parse(image: Buffer, opts: ProviderCallOptions): Promise<TextResult>;
}

export interface VisionProvider {
  readonly name: string;
  analyse(image: Buffer, opts: ProviderCallOptions): Promise<VisionResult>;
}

/** Provider chains in the order they are tried; per-job `options.providers` may reorder them. */
export interface StageProviders {
  text: readonly TextProvider[];
  vision: readonly VisionProvider[];
}

/** Settings from the process configuration that stages read (never `process.env`). */
export interface StageSettings {
  reviewThreshold: number;
  alignment: { base_alignment_threshold: number; position_weight: number; semantic_weight: number };
  maxImageDimension: number;
  minImageDimension: number;
  maxImageBytes: number;
  /** The longest a stage waits, in all, for rate-limited providers before falling back (ms). */
  providerRateLimitMaxWaitMs?: number;
}

export interface JobInfo {
  id: string;
  created_at: string;
  metadata: Record<string, unknown>;
}

export interface StageContext {
  job: JobInfo;
  options: PipelineOptions;
  settings: StageSettings;
  providers: StageProviders;
  blobs: BlobAccess;
  logger: StageLogger;
  signal: AbortSignal;
  /**
   * What is left of this stage's rate-limit wait budget (ms): a provider asking to be retried
   * later than that is treated as failed and the chain falls back. Undefined: no budget.
   */
  rateLimitBudgetMs?: number;
  /** The image later stages work on: A's normalised copy, or the original when A was skipped. */
  loadImage(): Promise<Buffer>;
  /** Stage H writes each export file through this. */
  putExport(format: ExportFormat, data: Buffer): Promise<void>;
}

/** Stage A reads the original upload; every other stage reads its needs' outputs. */
export interface StageInputMap {
  A: { original_ref: string };
  B: StageInputs<'B'>;
  C: StageInputs<'C'>;
  D: StageInputs<'D'>;
  E: StageInputs<'E'>;
  F: StageInputs<'F'>;
  G: StageInputs<'G'>;
  H: StageInputs<'H'>;
}

export type StageFn<S extends StageId> = (input: StageInputMap[S], ctx: StageContext) => Promise<StageOutputs[S]>;
/** A missing handler is a compile error. */
export type StageHandlers = { [S in StageId]: StageFn<S> };
