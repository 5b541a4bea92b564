/**
 * Wires a queued stage run to its stage function: takes the job record and upstream outputs the
 * host read when it recorded the attempt (payloads carry ids only), builds the stage's context,
 * runs it and validates what it returns against the stage's schema before anything downstream
 * sees it.
 */
import { PipelineOptions, STAGE_OUTPUT_SCHEMAS } from '@mpp/schemas';
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
  /** Stage results cache (the stages in CACHED_STAGES); hits are reported as stage status `cached`. */
  cache?: StageRunCache;
}

function rateLimitBudget(settings: StageSettings, waitedMs = 0): { rateLimitBudgetMs?: number } {
  const max = settings.providerRateLimitMaxWaitMs;
  return max === undefined ? {} : { rateLimitBudgetMs: Math.max(0, max - waitedMs) };
}

export function createStageRunner(deps: StageRunnerDeps): StageRunner {
  const { store, blobs, handlers } = deps;
  return async ({ jobId, stage, signal, logger, started }): Promise<StageRunOutcome> => {
    // The record and the inputs were read with the attempt's start (one round trip, see startStage).
    const { record, outputs: upstream } = started;
    const options = PipelineOptions.parse(record.options);
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
    // Keyed on what the stage actually reads: its upstream outputs, not only the image they came from.
    const key = { stage, inputs: upstream, originalRef: record.original_ref, options, settings: deps.settings, providers };
    let ran: Awaited<ReturnType<typeof runStageCached>>;
    try {
      ran = await runStageCached(deps.cache, key, run, signal, jobId);
    } catch (err) {
      const spent = meter.toUsage();
      if (spent) await store.addCarriedUsage(jobId, stage, spent).catch(() => undefined);
      throw err;
    }
    // Usage that earlier attempts carried over was read at the start; now the output includes it.
    if (started.carriedUsage) {
      meter.add(started.carriedUsage);
      await store.clearCarriedUsage(jobId, stage);
    }
    const usage = meter.toUsage();
    const { usage: _answerUsage, ...rest } = ran.output as { usage?: unknown };
    const output = usage ? { ...rest, usage } : rest;
    // Computed here, the output was validated by `run`; one read from the cache is validated now.
    return { output: ran.status === 'cached' ? STAGE_OUTPUT_SCHEMAS[stage].parse(output) : (output as StageRunOutcome['output']), status: ran.status };
  };
}
