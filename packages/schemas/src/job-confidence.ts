/**
 * The job's overall confidence from the confidences of the recognition stages that ran (B, C, D,
 * E, F; any may be skipped), as stage G computes it (docs/stages.md explains the choice):
 *
 *   job = 0.4 * min_i c_i + 0.6 * (sum_i w_i c_i / sum_i w_i)     over the present stages
 *
 * with weights B .25, C .25, D .2, E .15, F .15. Kept here, beside the result document, so the
 * API, the worker that completes a job and stage H agree on the number even when G was skipped.
 */
export const JOB_CONFIDENCE_WEIGHTS = { B: 0.25, C: 0.25, D: 0.2, E: 0.15, F: 0.15 } as const;
export type ConfidenceStage = keyof typeof JOB_CONFIDENCE_WEIGHTS;

/** Share of the weakest stage in the job confidence. */
export const WEAKEST_STAGE_WEIGHT = 0.4;

export function combineJobConfidence(confidences: Partial<Record<ConfidenceStage, number>>): number {
  let weight = 0;
  let weighted = 0;
  let min = 1;
  for (const [stage, w] of Object.entries(JOB_CONFIDENCE_WEIGHTS) as Array<[ConfidenceStage, number]>) {
    const raw = confidences[stage];
    if (raw === undefined || !Number.isFinite(raw)) continue;
    const c = Math.min(1, Math.max(0, raw));
    weight += w;
    weighted += w * c;
    min = Math.min(min, c);
  }
  // No recognition stage ran: nothing was recognised, so nothing can be wrong.
  if (weight === 0) return 1;
  const job = WEAKEST_STAGE_WEIGHT * min + (1 - WEAKEST_STAGE_WEIGHT) * (weighted / weight);
  return Math.round(job * 1000) / 1000;
}
