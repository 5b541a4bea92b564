/**
 * What a cached stage result depends on, turned into one digest: the stage, its actual inputs
 * (its needs' outputs, so a recomputed upstream answer gives every stage below it new keys), the
 * image when the stage reads it, the per-job options and process settings the stage reads, the
 * identity of the providers that can answer it (name and `version`: model, endpoint, engine
 * versions), and the code version. Anything else in a job (metadata, webhook, priority) never
 * changes a result, so it never splits the cache.
 */
import { createHash } from 'node:crypto';
import { STAGE_CATALOG, type PipelineOptions, type StageId } from '@mpp/schemas';

export const CACHE_NAMESPACES = ['stage_a', 'stage_b', 'stage_c', 'stage_d', 'stage_e', 'stage_f', 'stage_g', 'stage_h'] as const;
export type CacheNamespace = (typeof CACHE_NAMESPACES)[number];

/**
 * The stages whose results are cached (docs/cache.md has the measurements): B and C call external
 * APIs or run OCR for seconds, F renders with MathJax and sharp for ~110 ms. D and E take ~2 ms,
 * less than a cache lookup costs, so they always run. A is cheap and points at a normalised-image
 * blob with its own TTL; G (review routing) and H (writes export files) have per-job effects.
 * Every stage keeps its namespace, so the admin API answers for all eight.
 */
export const CACHED_STAGES: readonly StageId[] = ['B', 'C', 'F'];

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

/**
 * The stages whose output each per-job option changes, beyond what their inputs already carry.
 * A mapped type over every option: a new option does not compile until it is placed here.
 */
const OPTION_READERS: { readonly [K in keyof PipelineOptions]-?: readonly StageId[] } = {
  // Decides which inputs exist; the input digest already shows which are absent.
  skip_stages: [],
  export_formats: ['H'],
  enable_human_review: ['G'],
  review_threshold: ['G'],
  priority: [],
  timeout_seconds: [],
  // Each of B and C reads only its own entry (see optionsRead).
  providers: ['B', 'C'],
  alignment: ['D'],
};

/**
 * The stages each process setting (`StageSettings`) changes. A setting missing here counts for
 * every stage: a new one splits the cache until it is placed, never serves a stale answer.
 */
const SETTING_READERS: Readonly<Record<string, readonly StageId[]>> = {
  reviewThreshold: ['G'],
  alignment: ['D'],
  // Image limits shape A's output, which every later stage sees through its inputs.
  maxImageDimension: ['A'],
  minImageDimension: ['A'],
  maxImageBytes: ['A'],
};

/** The provider chain each stage calls. */
const CHAIN_OF: Partial<Record<StageId, 'text' | 'vision'>> = { B: 'text', C: 'vision' };

/** Output fields that differ between two runs of the same work; they never feed a stage's answer. */
const VOLATILE_FIELDS = new Set(['duration_ms', 'usage']);

export interface StageCacheKeyInput {
  stage: StageId;
  /** The stage's inputs: each of its needs' outputs, absent when that stage was skipped. */
  inputs: Partial<Record<StageId, unknown>>;
  /** `sha256:<hex>` of the upload: what an image-reading stage reads when A was skipped. */
  originalRef: string;
  options: PipelineOptions;
  /** Process settings the stages read (thresholds, image limits). */
  settings: object;
  providers: { text: readonly ProviderIdentity[]; vision: readonly ProviderIdentity[] };
  /** Code version: a new release never serves results of the old one. */
  pipelineVersion: string;
}

export function stageCacheKey(input: StageCacheKeyInput): string {
  const { stage } = input;
  const needs: readonly StageId[] = STAGE_CATALOG[stage].needs;
  const chain = CHAIN_OF[stage];
  const parts = {
    v: input.pipelineVersion,
    stage,
    inputs: Object.fromEntries(needs.map((need) => [need, withoutVolatile(input.inputs[need])])),
    // Stages that need A read its normalised image (its ref is in A's output); without A, the upload.
    image: needs.includes('A') && input.inputs.A === undefined ? input.originalRef : undefined,
    options: optionsRead(stage, input.options),
    settings: Object.fromEntries(Object.entries(input.settings).filter(([name]) => (SETTING_READERS[name] ?? [stage]).includes(stage))),
    providers: chain ? input.providers[chain].map((p) => `${p.name}@${p.version ?? '0'}`) : undefined,
  };
  return createHash('sha256').update(stableJson(parts)).digest('hex');
}

function optionsRead(stage: StageId, options: PipelineOptions): Record<string, unknown> {
  const read: Record<string, unknown> = {};
  for (const [name, readers] of Object.entries(OPTION_READERS) as Array<[keyof PipelineOptions, readonly StageId[]]>) {
    if (!readers.includes(stage)) continue;
    read[name] = name === 'providers' ? options.providers?.[stage as 'B' | 'C'] : options[name];
  }
  return read;
}

function withoutVolatile(output: unknown): unknown {
  if (!output || typeof output !== 'object') return output ?? null;
  return Object.fromEntries(Object.entries(output).filter(([k]) => !VOLATILE_FIELDS.has(k)));
}

/**
 * JSON with object keys sorted, so equal values always hash alike whatever built them. Written as
 * plain loops: it runs over every cached stage's inputs on every lookup, and the entries, filter
 * and map arrays of the obvious version cost more than the hash. Same output as that version.
 */
function stableJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (stableJson(value[i]) ?? '');
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${stableJson(v)}`;
    first = false;
  }
  return `${out}}`;
}
