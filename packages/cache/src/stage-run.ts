/** Runs one stage through the cache: a hit is reported as stage status `cached`. */
import { STAGE_CATALOG } from '@mpp/schemas';
import { CACHEABLE_STAGES, namespaceOf, stageCacheKey, type ProviderIdentity, type StageCacheKeyInput } from './cache-key';
import type { StageCache } from './stage-cache';

export interface StageRunCache {
  cache: StageCache;
  pipelineVersion: string;
}

export interface CachedStageRun<T> {
  output: T;
  status: 'completed' | 'cached';
}

/** Provider objects may carry a `version`; the name alone identifies the others. */
export function providerIdentities(providers: readonly { name: string }[]): ProviderIdentity[] {
  return providers.map((p) => {
    const version = (p as { version?: unknown }).version;
    return typeof version === 'string' ? { name: p.name, version } : { name: p.name };
  });
}

export async function runStageCached<T>(
  cache: StageRunCache | undefined,
  key: Omit<StageCacheKeyInput, 'pipelineVersion'>,
  run: () => Promise<T>,
  signal: AbortSignal,
): Promise<CachedStageRun<T>> {
  if (!cache || !CACHEABLE_STAGES.includes(key.stage)) return { output: await run(), status: 'completed' };
  const digest = stageCacheKey({ ...key, pipelineVersion: cache.pipelineVersion });
  const { value, cached } = await cache.cache.getOrCompute(namespaceOf(key.stage), digest, run, { signal, lockTtlMs: STAGE_CATALOG[key.stage].timeoutMs });
  return { output: value, status: cached ? 'cached' : 'completed' };
}
