/**
 * `createProviders`: the provider chains a worker runs, from the configuration.
 * Stage B = mathpix, local. Stage C = anthropic, gemini, local. A provider without credentials is
 * left out (logged once, here, at start). Every external provider calls through a
 * `ResilientCaller` whose breaker lives in Redis under `REDIS_PREFIX`, shared by the fleet.
 */
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '@mpp/config';
import { BreakerStore, breakerStateValue, ResilientCaller, type CallObserver } from '@mpp/resilience';
import type { Logger, PipelineMetrics } from '@mpp/telemetry';
import { createLocalProviders, type LocalProviders } from '../local/index';
import { AnthropicVisionProvider } from './anthropic/anthropic-provider';
import { GeminiVisionProvider } from './gemini/gemini-provider';
import { MathpixClient } from './mathpix/mathpix-client';
import { MathpixTextProvider } from './mathpix/mathpix-provider';
import type { MathpixTextResult } from './mathpix/mathpix-mapping';
import type { ExternalVisionResult } from './vision-answer';

export const EXTERNAL_PROVIDERS = ['mathpix', 'anthropic', 'gemini'] as const;
export type ExternalProviderName = (typeof EXTERNAL_PROVIDERS)[number];

type TextLike = { readonly name: string; parse(image: Buffer, opts: { signal: AbortSignal }): Promise<MathpixTextResult> };
type VisionLike = { readonly name: string; analyse(image: Buffer, opts: { signal: AbortSignal }): Promise<ExternalVisionResult> };

export interface ProviderSet {
  providers: { text: TextLike[]; vision: VisionLike[] };
  breakers: BreakerStore;
  /** External providers in the chains (those with credentials). */
  configured: ExternalProviderName[];
  close(): Promise<void>;
}

export interface CreateProvidersDeps {
  redis: Redis;
  logger: Logger;
  metrics?: PipelineMetrics;
  /** The local providers to end each chain with; created here when absent. */
  local?: LocalProviders;
}

export function breakerStoreFor(config: PipelineConfig, redis: Redis): BreakerStore {
  return new BreakerStore(redis, config.redis.prefix, { ...config.breaker, probeLeaseMs: config.providerCalls.timeoutMs + 5_000 });
}

/** Which external providers have credentials. */
export function configuredProviders(config: PipelineConfig): ExternalProviderName[] {
  const p = config.providers;
  return EXTERNAL_PROVIDERS.filter((name) => (name === 'mathpix' ? Boolean(p.mathpix.appId && p.mathpix.appKey) : Boolean(p[name].apiKey)));
}

export function createProviders(config: PipelineConfig, deps: CreateProvidersDeps): ProviderSet {
  const { metrics, logger } = deps;
  const breakers = breakerStoreFor(config, deps.redis);
  const observer: CallObserver = {
    onCall: (service, status, seconds) => {
      metrics?.apiCalls.inc({ service, status });
      if (seconds !== undefined) metrics?.apiLatency.observe({ service }, seconds);
    },
    onBreakerState: (service, _state, value) => metrics?.breakerState.set({ service }, value),
  };
  const callerFor = (name: ExternalProviderName) => new ResilientCaller(name, breakers, config.providerCalls, observer);
  const configured = configuredProviders(config);
  metrics?.readBreakerStatesWith(async () => Promise.all(configured.map(async (service) => ({ service, value: breakerStateValue((await breakers.read(service)).state) }))));
  const { mathpix, anthropic, gemini } = config.providers;
  const { timeoutMs, rateLimitMaxWaitMs } = config.providerCalls;

  const text: TextLike[] = [];
  const vision: VisionLike[] = [];
  if (configured.includes('mathpix')) {
    const client = new MathpixClient({ appId: mathpix.appId!, appKey: mathpix.appKey!, baseUrl: mathpix.baseUrl, rateLimitMaxWaitMs });
    text.push(new MathpixTextProvider(client, callerFor('mathpix'), config.prices.mathpix.perCallUsd));
  }
  if (configured.includes('anthropic')) {
    vision.push(new AnthropicVisionProvider({ apiKey: anthropic.apiKey!, baseUrl: anthropic.baseUrl, model: anthropic.model, timeoutMs, prices: config.prices.anthropic }, callerFor('anthropic')));
  }
  if (configured.includes('gemini')) {
    vision.push(new GeminiVisionProvider({ apiKey: gemini.apiKey!, baseUrl: gemini.baseUrl, model: gemini.model, timeoutMs, prices: config.prices.gemini }, callerFor('gemini')));
  }
  const missing = EXTERNAL_PROVIDERS.filter((n) => !configured.includes(n));
  if (missing.length > 0) {
    logger.info({ skipped: missing, configured }, 'external providers without credentials are skipped; local providers serve in their place');
  }

  // PIPELINE_CACHE_DIR keeps the formula recogniser's templates across restarts and processes.
  const local = deps.local ?? createLocalProviders({ ocrWorkers: config.ocr.workers, cacheDir: config.env.PIPELINE_CACHE_DIR });
  text.push(...local.providers.text);
  vision.push(...local.providers.vision);
  logger.info({ text: text.map((p) => p.name), vision: vision.map((p) => p.name) }, 'provider chains');
  return { providers: { text, vision }, breakers, configured, close: () => (deps.local ? Promise.resolve() : local.close()) };
}
