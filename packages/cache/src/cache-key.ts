/**
 * What a cached stage result depends on, turned into one digest: the image's sha256, the stage,
 * the per-job options that change what the stage produces, the process settings stages read,
 * and the names and versions of the providers that can serve the chain. Anything else in a job
 * (metadata, webhook, priority) never changes a result, so it never splits the cache.
 */
import { createHash } from 'node:crypto';
import type { PipelineOptions, StageId } from '@mpp/schemas';

export const CACHE_NAMESPACES = ['stage_a', 'stage_b', 'stage_c', 'stage_d', 'stage_e', 'stage_f', 'stage_g', 'stage_h'] as const;
export type CacheNamespace = (typeof CACHE_NAMESPACES)[number];

/**
 * A is cheap and its output points at a normalised-image blob with its own TTL; G (review routing)
 * and H (writes export files) have per-job effects. Those are never cached.
 */
export const CACHEABLE_STAGES: readonly StageId[] = ['B', 'C', 'D', 'E', 'F'];

export function namespaceOf(stage: StageId): CacheNamespace {
  return `stage_${stage.toLowerCase()}` as CacheNamespace;
}

export function isCacheNamespace(value: string): value is CacheNamespace {
  return (CACHE_NAMESPACES as readonly string[]).includes(value);
}

export interface ProviderIdentity {
  name: string;
  version?: string;
}

export interface StageCacheKeyInput {
  stage: StageId;
  /** `sha256:<hex>` of the uploaded image. */
  imageRef: string;
  options: PipelineOptions;
  /** Process settings the stages read (thresholds, image limits). */
  settings: unknown;
  providers: { text: readonly ProviderIdentity[]; vision: readonly ProviderIdentity[] };
  /** Code version: a new release never serves results of the old one. */
  pipelineVersion: string;
}

export function stageCacheKey(input: StageCacheKeyInput): string {
  const { options } = input;
  const id = (p: ProviderIdentity) => `${p.name}@${p.version ?? '0'}`;
  const parts = {
    v: input.pipelineVersion,
    image: input.imageRef,
    stage: input.stage,
    // Stage inputs downstream of A depend on which stages ran and which providers served them.
    skip: [...options.skip_stages].sort(),
    providers: options.providers ?? null,
    text: input.providers.text.map(id),
    vision: input.providers.vision.map(id),
    settings: input.settings,
  };
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
