/**
 * Wires a queued stage run to its stage function: reloads the job and its upstream outputs from
 * the store (payloads carry ids only), builds the stage's context, runs it and validates what it
 * returns against the stage's schema before anything downstream sees it.
 */
import { PipelineOptions, STAGE_CATALOG, STAGE_OUTPUT_SCHEMAS, type StageId } from '@mpp/schemas';
import type { StageRunner, StageRunOutcome } from '@mpp/queue';
import type { BlobStore, JobStore } from '@mpp/store';
import type { StageContext, StageHandlers, StageProviders, StageSettings } from '@mpp/stages';
import { providerIdentities, runStageCached, type StageRunCache } from '@mpp/cache';
import { UsageMeter, withUsageMeter } from '@mpp/providers';

export interface StageRunnerDeps {
  store: JobStore;
  blobs: BlobStore;
  handlers: StageHandlers;
  providers: StageProviders;
  settings: StageSettings;
  /** Stage results cache (B-F); hits are reported as stage status `cached`. */
  cache?: StageRunCache;
}

export class JobGoneError extends Error {
  readonly code = 'job_not_found';
  readonly retryable = false;
  constructor(jobId: string) {
    super(`job ${jobId} no longer exists (expired or deleted)`);
    this.name = 'JobGoneError';
  }
}

function rateLimitBudget(settings: StageSettings, waitedMs = 0): { rateLimitBudgetMs?: number } {
  const max = settings.providerRateLimitMaxWaitMs;
  return max === undefined ? {} : { rateLimitBudgetMs: Math.max(0, max - waitedMs) };
}

export function createStageRunner(deps: StageRunnerDeps): StageRunner {
  const { store, blobs, handlers } = deps;
  return async ({ jobId, stage, signal, logger }): Promise<StageRunOutcome> => {
    const record = await store.get(jobId);
    if (!record) throw new JobGoneError(jobId);
    const options = PipelineOptions.parse(record.options);
    const needs: readonly StageId[] = STAGE_CATALOG[stage].needs;
    const upstream = await store.getOutputs(jobId, needs);
    let image: Promise<Buffer> | undefined;
    const ctx: StageContext = {
      job: { id: record.id, created_at: record.created_at, metadata: record.metadata },
      options,
      settings: deps.settings,
      providers: deps.providers,
      // What a stage stores (A's normalised image) belongs to the job: it lives as long as the
      // job's record, so a job waiting days for review can still show its image.
      blobs: { get: (ref) => blobs.get(ref), put: (data) => blobs.put(data, store.ttlSeconds) },
      logger,
      signal,
      ...rateLimitBudget(deps.settings, record.stages[stage]?.rate_limited_ms),
      loadImage: () => {
        image ??= (async () => {
          const a = upstream.A ?? (await store.getOutput(jobId, 'A'));
          return blobs.get(a?.image_ref ?? record.original_ref);
        })();
        return image;
      },
      putExport: (format, data) => store.putExport(jobId, format, data),
    };
    const input = stage === 'A' ? { original_ref: record.original_ref } : upstream;
    const handler = handlers[stage] as (input: unknown, ctx: StageContext) => Promise<unknown>;
    // Every external call of this attempt (failed ones, retries, fallbacks) is metered; the output's
    // `usage` is what this job spent, never a cached answer's or another attempt's alone.
    const meter = new UsageMeter();
    const run = async () => STAGE_OUTPUT_SCHEMAS[stage].parse(await withUsageMeter(meter, () => handler(input, ctx)));
    const providers = { text: providerIdentities(deps.providers.text), vision: providerIdentities(deps.providers.vision) };
    let ran: Awaited<ReturnType<typeof runStageCached>>;
    try {
      ran = await runStageCached(deps.cache, { stage, imageRef: record.original_ref, options, settings: deps.settings, providers }, run, signal);
    } catch (err) {
      const spent = meter.toUsage();
      if (spent) await store.addCarriedUsage(jobId, stage, spent).catch(() => undefined);
      throw err;
    }
    const carried = await store.takeCarriedUsage(jobId, stage);
    if (carried) meter.add(carried);
    const usage = meter.toUsage();
    const { usage: _answerUsage, ...rest } = ran.output as { usage?: unknown };
    return { output: STAGE_OUTPUT_SCHEMAS[stage].parse(usage ? { ...rest, usage } : rest), status: ran.status };
  };
}
