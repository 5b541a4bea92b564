/** Runs one stage through the cache: a hit is reported as stage status `cached`. */
import { STAGE_CATALOG } from '@mpp/schemas';
import { CACHED_STAGES, namespaceOf, stageCacheKey, type ProviderIdentity, type StageCacheKeyInput } from './cache-key';
import type { StageCache } from './stage-cache';

export interface StageRunCache {
  cache: StageCache;
  pipelineVersion: string;
}

export interface CachedStageRun<T> {
  output: T;
  status: 'completed' | 'cached';
}

/** A provider's `version` says what changes its answers (model, endpoint, engine versions); the name alone identifies the others. */
export function providerIdentities(providers: readonly { name: string }[]): ProviderIdentity[] {
  return providers.map((p) => {
    const version = (p as { version?: unknown }).version;
    return typeof version === 'string' ? { name: p.name, version } : { name: p.name };
  });
}

/**
 * An output that carries `fallback_reason` is an answer of circumstance: the provider it should
 * have come from was down or refused. It is cached provisionally (`provisionalTtlSeconds`), so
 * duplicates in flight share it but the outage does not outlive the breaker in the cache.
 */
export function isFallbackOutput(output: unknown): boolean {
  return typeof (output as { fallback_reason?: unknown } | null)?.fallback_reason === 'string';
}

export async function runStageCached<T>(
  cache: StageRunCache | undefined,
  key: Omit<StageCacheKeyInput, 'pipelineVersion'>,
  run: () => Promise<T>,
  signal: AbortSignal,
  /** The job the run is for: its next attempt takes over the single-flight lock of a dead one. */
  jobId?: string,
): Promise<CachedStageRun<T>> {
  if (!cache || !CACHED_STAGES.includes(key.stage)) return { output: await run(), status: 'completed' };
  const digest = stageCacheKey({ ...key, pipelineVersion: cache.pipelineVersion });
  const lookup = { signal, lockTtlMs: STAGE_CATALOG[key.stage].timeoutMs, provisional: isFallbackOutput, ...(jobId ? { owner: jobId } : {}) };
  const { value, cached } = await cache.cache.getOrCompute(namespaceOf(key.stage), digest, run, lookup);
  return { output: value, status: cached ? 'cached' : 'completed' };
}
