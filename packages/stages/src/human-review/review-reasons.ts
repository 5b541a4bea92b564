/**
 * Why a result may need a person, stage by stage: a stage under the threshold
 * (`low_confidence`), a stage that fell back to another provider (`provider_fallback`), text and
 * diagram disagreeing (`alignment_inconsistency`, warnings and errors only), a graph that failed
 * validation (`graph_invalid`), a regeneration that does not match the input
 * (`roundtrip_mismatch`) or a formula that did not render (`render_error`). The reasons are
 * listed whether or not review is required, so a reviewer and a dashboard see the same findings.
 */
import type { HumanReviewOutput, StageInputs } from '@mpp/schemas';
import { REVIEWED_STAGES } from './job-confidence';

export type ReviewReason = HumanReviewOutput['reasons'][number];

/** Under this round-trip similarity the regenerated output does not look like the input. */
export const ROUNDTRIP_MISMATCH_BELOW = 0.6;
/** Inconsistency reasons kept per job; the alignment output holds them all. */
const MAX_ALIGNMENT_REASONS = 20;

export function collectReviewReasons(inputs: StageInputs<'G'>, threshold: number): ReviewReason[] {
  const reasons: ReviewReason[] = [];
  for (const stage of REVIEWED_STAGES) {
    const output = inputs[stage];
    if (!output) continue;
    if (output.confidence < threshold) {
      reasons.push({ stage, code: 'low_confidence', message: `stage ${stage} (${output.provider}) confidence ${output.confidence.toFixed(3)} is below ${threshold}`, refs: [] });
    }
    if (output.fallback_reason) {
      reasons.push({ stage, code: 'provider_fallback', message: `stage ${stage} used a fallback: ${output.fallback_reason}`, refs: [] });
    }
  }
  const alignment = inputs.D;
  if (alignment) {
    const serious = alignment.inconsistencies.filter((i) => i.severity !== 'info');
    for (const i of serious.slice(0, MAX_ALIGNMENT_REASONS)) {
      reasons.push({ stage: 'D', code: 'alignment_inconsistency', message: `${i.type} (${i.severity}): ${i.message}`, refs: i.refs });
    }
    if (serious.length > MAX_ALIGNMENT_REASONS) {
      reasons.push({ stage: 'D', code: 'alignment_inconsistency', message: `${serious.length - MAX_ALIGNMENT_REASONS} more inconsistencies in the alignment output`, refs: [] });
    }
  }
  const graph = inputs.E;
  if (graph && !graph.validation.valid) {
    reasons.push({ stage: 'E', code: 'graph_invalid', message: `the semantic graph has ${graph.validation.issues.length} validation issue(s): ${graph.validation.issues.slice(0, 3).join('; ')}`, refs: [] });
  }
  const regeneration = inputs.F;
  if (regeneration) {
    const { overall, formula_score, diagram_score } = regeneration.roundtrip;
    const scores = { overall, formula_score, diagram_score };
    for (const [name, score] of Object.entries(scores)) {
      if (score !== undefined && score < ROUNDTRIP_MISMATCH_BELOW) {
        reasons.push({ stage: 'F', code: 'roundtrip_mismatch', message: `round-trip ${name} ${score.toFixed(3)} is below ${ROUNDTRIP_MISMATCH_BELOW}`, refs: [] });
      }
    }
    regeneration.formulas.forEach((f, i) => {
      if (f.error) reasons.push({ stage: 'F', code: 'render_error', message: `formula ${i + 1} did not render: ${f.error}`, refs: [`formula:${i + 1}`] });
    });
  }
  return reasons;
}
