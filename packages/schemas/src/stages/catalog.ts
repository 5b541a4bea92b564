/**
 * The stage catalog: the one place that says which stages exist, what they are called, what they
 * read, and how hard the queue layer should try. The flow builder, workers, status view and docs
 * all derive from it.
 */
export const STAGE_IDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;
export type StageId = (typeof STAGE_IDS)[number];

export const STAGE_NAMES = {
  A: 'ingestion',
  B: 'text_parse',
  C: 'vision_parse',
  D: 'alignment',
  E: 'semantic_graph',
  F: 'regeneration',
  G: 'human_review',
  H: 'export',
} as const satisfies Record<StageId, string>;
export type StageName = (typeof STAGE_NAMES)[StageId];

export interface StageSpec {
  id: StageId;
  name: StageName;
  /** Stages whose outputs this stage reads (when they were not skipped). */
  needs: readonly StageId[];
  /** Attempts before the stage, and so the job, fails. */
  attempts: number;
  /** First retry delay; later ones back off exponentially. */
  backoffMs: number;
  /** Upper bound for one attempt; the processor's AbortSignal fires after it. */
  timeoutMs: number;
  /** I/O-bound stages (external APIs) scale apart from CPU-bound ones. */
  kind: 'io' | 'cpu';
}

export const STAGE_CATALOG = {
  A: { id: 'A', name: 'ingestion', needs: [], attempts: 3, backoffMs: 500, timeoutMs: 30_000, kind: 'cpu' },
  B: { id: 'B', name: 'text_parse', needs: ['A'], attempts: 3, backoffMs: 1_000, timeoutMs: 120_000, kind: 'io' },
  C: { id: 'C', name: 'vision_parse', needs: ['A'], attempts: 3, backoffMs: 1_000, timeoutMs: 120_000, kind: 'io' },
  D: { id: 'D', name: 'alignment', needs: ['B', 'C'], attempts: 2, backoffMs: 500, timeoutMs: 30_000, kind: 'cpu' },
  E: { id: 'E', name: 'semantic_graph', needs: ['B', 'C', 'D'], attempts: 2, backoffMs: 500, timeoutMs: 30_000, kind: 'cpu' },
  F: { id: 'F', name: 'regeneration', needs: ['A', 'B', 'C', 'E'], attempts: 2, backoffMs: 500, timeoutMs: 60_000, kind: 'cpu' },
  G: { id: 'G', name: 'human_review', needs: ['B', 'C', 'D', 'E', 'F'], attempts: 2, backoffMs: 500, timeoutMs: 10_000, kind: 'cpu' },
  H: { id: 'H', name: 'export', needs: ['A', 'B', 'C', 'D', 'E', 'F', 'G'], attempts: 3, backoffMs: 500, timeoutMs: 60_000, kind: 'cpu' },
} as const satisfies Record<StageId, StageSpec>;

const BY_NAME = new Map<string, StageId>(STAGE_IDS.map((id) => [STAGE_NAMES[id], id]));

/** Accepts a stage letter (`"B"`, `"b"`) or name (`"text_parse"`); undefined when neither. */
export function parseStageRef(ref: string): StageId | undefined {
  const upper = ref.trim().toUpperCase();
  if ((STAGE_IDS as readonly string[]).includes(upper)) return upper as StageId;
  return BY_NAME.get(ref.trim().toLowerCase());
}

export function isStageId(value: string): value is StageId {
  return (STAGE_IDS as readonly string[]).includes(value);
}
