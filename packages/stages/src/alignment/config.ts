/**
 * Alignment settings: the process defaults (`ALIGNMENT_*` via settings) overridden per job by
 * `options.alignment`. Weights are normalised to sum to 1 so a job that raises only one of them
 * still gets a score between 0 and 1.
 */
import type { StageContext } from '../context';

export interface AlignmentConfig {
  base_alignment_threshold: number;
  position_weight: number;
  semantic_weight: number;
}

/** The deployment guide's name for these settings (`AlignmentEngineConfig` in its troubleshooting section). */
export type AlignmentEngineConfig = AlignmentConfig;

export const DEFAULT_ALIGNMENT_CONFIG: AlignmentConfig = { base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 };

export function resolveAlignmentConfig(ctx: Pick<StageContext, 'settings' | 'options'>): AlignmentConfig {
  const merged: AlignmentConfig = { ...DEFAULT_ALIGNMENT_CONFIG, ...definedOnly(ctx.settings.alignment), ...definedOnly(ctx.options.alignment) };
  const sum = merged.position_weight + merged.semantic_weight;
  if (!(sum > 0)) return { ...merged, position_weight: DEFAULT_ALIGNMENT_CONFIG.position_weight, semantic_weight: DEFAULT_ALIGNMENT_CONFIG.semantic_weight };
  return { ...merged, position_weight: merged.position_weight / sum, semantic_weight: merged.semantic_weight / sum };
}

function definedOnly(values: Partial<AlignmentConfig> | undefined): Partial<AlignmentConfig> {
  if (!values) return {};
  return Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}
