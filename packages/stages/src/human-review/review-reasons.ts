/**
 * Why a result may need a person, stage by stage: a stage under the threshold
 * (`low_confidence`), a stage that fell back to another provider (`provider_fallback`), text and
 * diagram disagreeing (`alignment_inconsistency`, warnings and errors only), a graph that failed
 * validation (`graph_invalid`), a formula or diagram whose regeneration does not match its region
 * of the input (`roundtrip_mismatch`, one reason per formula, with its ref) or a formula that did
 * not render (`render_error`). The reasons are listed whether or not review is required, so a
 * reviewer and a dashboard see the same findings; `roundtrip_mismatch` also requires review by
 * itself (index.ts), since one wrong formula among many good ones barely moves the job's confidence.
 */
import type { HumanReviewOutput, StageInputs } from '@mpp/schemas';
import { REVIEWED_STAGES } from './job-confidence';

export type ReviewReason = HumanReviewOutput['reasons'][number];

/**
 * Under this round-trip score a formula's rendering does not look like its region. Chosen on
 * bench/roundtrip-separation.mjs (docs/stages.md): 98.8% of right readings of printed formulas
 * score at or above it (also after JPEG, blur, rescaling), while 18% of one-token errors (35% of
 * dropped symbols) and wholly wrong readings or misplaced boxes score below; 0.85 would catch 27%
 * but flags about half the right readings of bold textbook print.
 */
export const FORMULA_MISMATCH_BELOW = 0.8;
/** Under this round-trip similarity the regenerated diagram does not look like the figure. */
export const DIAGRAM_MISMATCH_BELOW = 0.6;
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
  // Rounded down, so a score just under a threshold never reads as the threshold itself ("0.800 is below 0.8").
  const shown = (score: number) => (Math.floor(score * 1000) / 1000).toFixed(3);
  if (regeneration) {
    const diagram = regeneration.roundtrip.diagram_score;
    if (diagram !== undefined && diagram < DIAGRAM_MISMATCH_BELOW) {
      reasons.push({ stage: 'F', code: 'roundtrip_mismatch', message: `round-trip diagram_score ${shown(diagram)} is below ${DIAGRAM_MISMATCH_BELOW}`, refs: ['diagram'] });
    }
    regeneration.formulas.forEach((f, i) => {
      if (f.roundtrip_score !== undefined && f.roundtrip_score < FORMULA_MISMATCH_BELOW) {
        reasons.push({ stage: 'F', code: 'roundtrip_mismatch', message: `formula ${i + 1} (${f.latex}) round-trip score ${shown(f.roundtrip_score)} is below ${FORMULA_MISMATCH_BELOW}`, refs: [`formula:${i + 1}`] });
      }
      if (f.error) reasons.push({ stage: 'F', code: 'render_error', message: `formula ${i + 1} did not render: ${f.error}`, refs: [`formula:${i + 1}`] });
    });
  }
  return reasons;
}
