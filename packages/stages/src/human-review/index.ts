/**
 * Stage G (`human_review`): decides whether a person must look at the result. Review is required
 * when human review is enabled for the job and the job's confidence (job-confidence.ts) is below
 * `options.review_threshold`, or the process's `REVIEW_THRESHOLD` when the job sets none, or a
 * round trip failed (`roundtrip_mismatch`: a formula or the diagram regenerated unlike the input,
 * which a job confidence averaged over many formulas would hide). This
 * stage only decides; the wait itself (no worker held) is @mpp/review's gate in the worker host,
 * and a person's corrections are applied by `applyReviewCorrections` when they decide.
 */
import type { StageFn } from '../context';
import { combineStageConfidences, presentStageConfidences } from './job-confidence';
import { collectReviewReasons } from './review-reasons';

export const humanReviewStage: StageFn<'G'> = async (input, ctx) => {
  const started = performance.now();
  const threshold = ctx.options.review_threshold ?? ctx.settings.reviewThreshold;
  const stage_confidences = presentStageConfidences(input);
  const job_confidence = combineStageConfidences(stage_confidences);
  const enabled = ctx.options.enable_human_review;
  const below = job_confidence < threshold;
  const reasons = collectReviewReasons(input, threshold);
  if (below) {
    reasons.unshift({ stage: 'job', code: 'low_confidence', message: `job confidence ${job_confidence.toFixed(3)} is below the review threshold ${threshold}`, refs: [] });
  }
  const review_required = enabled && (below || reasons.some((r) => r.code === 'roundtrip_mismatch'));
  return {
    provider: 'builtin',
    confidence: job_confidence,
    duration_ms: Math.round(performance.now() - started),
    review_required,
    threshold,
    job_confidence,
    reasons,
    stage_confidences,
    status: !enabled ? 'disabled' : review_required ? 'required' : 'not_required',
  };
};

export { combineStageConfidences, presentStageConfidences, REVIEW_STAGE_WEIGHTS } from './job-confidence';
export { collectReviewReasons, DIAGRAM_MISMATCH_BELOW, FORMULA_MISMATCH_BELOW } from './review-reasons';
export { applyReviewCorrections, ReviewCorrectionError, type CorrectableOutputs, type CorrectedOutputs, type CorrectionIssue } from './apply-corrections';
