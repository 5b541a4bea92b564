/**
 * The job's overall confidence from the confidences of the stages that ran (B, C, D, E, F; any
 * may be skipped). It is a min-weighted mean:
 *
 *   job = 0.4 * min_i c_i + 0.6 * (sum_i w_i c_i / sum_i w_i)     over the present stages
 *
 * A result is only as good as its weakest stage (a text read at 0.35 is not rescued by a graph
 * that agrees with the diagram), so the minimum carries real weight; the weighted mean keeps the
 * other stages' evidence in, so one stage at 0.6 among good ones does not by itself force review
 * at the default threshold of 0.7, while one at 0.5 does. A plain weighted geometric mean was
 * tried first: it let B at 0.35 through at 0.72 when the other stages were near 0.9.
 * Recognition (B, C) weighs most in the mean, then their agreement (D), then the derived graph
 * and the round-trip check (E, F). With no stage present nothing was recognised, so nothing can
 * be wrong: 1.
 */
import type { StageId } from '@mpp/schemas';

export const REVIEW_STAGE_WEIGHTS = { B: 0.25, C: 0.25, D: 0.2, E: 0.15, F: 0.15 } as const satisfies Partial<Record<StageId, number>>;
export type ReviewedStage = keyof typeof REVIEW_STAGE_WEIGHTS;
export const REVIEWED_STAGES = Object.keys(REVIEW_STAGE_WEIGHTS) as ReviewedStage[];

/** Share of the weakest stage in the job confidence. */
export const WEAKEST_STAGE_SHARE = 0.4;

export function combineStageConfidences(confidences: Partial<Record<ReviewedStage, number>>): number {
  let weight = 0;
  let weighted = 0;
  let min = 1;
  for (const stage of REVIEWED_STAGES) {
    const raw = confidences[stage];
    if (raw === undefined || !Number.isFinite(raw)) continue;
    const c = Math.min(1, Math.max(0, raw));
    const w = REVIEW_STAGE_WEIGHTS[stage];
    weight += w;
    weighted += w * c;
    min = Math.min(min, c);
  }
  if (weight === 0) return 1;
  const job = WEAKEST_STAGE_SHARE * min + (1 - WEAKEST_STAGE_SHARE) * (weighted / weight);
  return Math.round(job * 1000) / 1000;
}

/** The confidences of the reviewed stages present in `outputs`. */
export function presentStageConfidences(outputs: Partial<Record<ReviewedStage, { confidence: number } | undefined>>): Partial<Record<ReviewedStage, number>> {
  const out: Partial<Record<ReviewedStage, number>> = {};
  for (const stage of REVIEWED_STAGES) {
    const output = outputs[stage];
    if (output) out[stage] = output.confidence;
  }
  return out;
}
