import { HumanReviewOutput, RegenerationOutput, type StageInputs } from '@mpp/schemas';
import { alignmentStage } from '../../src/alignment';
import { combineStageConfidences, FORMULA_MISMATCH_BELOW, humanReviewStage } from '../../src/human-review';
import { semanticGraphStage } from '../../src/semantic-graph';
import { downstreamContext } from '../support/downstream-context';
import { textbook11Text, textbook11Vision } from '../support/textbook11-upstream';

function regeneration(overall: number, formulaScores: number[] = [overall]): RegenerationOutput {
  return RegenerationOutput.parse({
    provider: 'mathjax',
    confidence: overall,
    duration_ms: 80,
    latex_document: '\\documentclass{article}\\begin{document}x\\end{document}',
    formulas: formulaScores.map((score, i) => ({ latex: `AB = ${30 + i}`, svg: '<svg/>', roundtrip_score: score })),
    roundtrip: { formula_score: overall, overall },
  });
}

/** Upstream outputs for textbook 11, with B and C read at the given confidences. */
async function upstream(textConfidence: number, visionConfidence: number, opts: { omitLabels?: string[]; roundtrip?: number } = {}): Promise<StageInputs<'G'>> {
  const ctx = downstreamContext();
  const B = textbook11Text(undefined, textConfidence);
  const C = { ...textbook11Vision({ omitLabels: opts.omitLabels ?? [] }), confidence: visionConfidence };
  const D = await alignmentStage({ B, C }, ctx);
  const E = await semanticGraphStage({ B, C, D }, ctx);
  return { B, C, D, E, F: regeneration(opts.roundtrip ?? 0.9) };
}

describe('human review stage (G)', () => {
  test('does not flag a job whose confidence is above the threshold', async () => {
    const out = HumanReviewOutput.parse(await humanReviewStage(await upstream(0.92, 0.9), downstreamContext()));
    expect(out.job_confidence).toBeGreaterThanOrEqual(0.7);
    expect(out).toMatchObject({ review_required: false, status: 'not_required', threshold: 0.7 });
    expect(Object.keys(out.stage_confidences).sort()).toEqual(['B', 'C', 'D', 'E', 'F']);
    expect(out.reasons.some((r) => r.code === 'low_confidence')).toBe(false);
  });

  test('flags a job whose confidence is below the threshold, naming the weak stage', async () => {
    const out = await humanReviewStage(await upstream(0.35, 0.9), downstreamContext());
    expect(out.job_confidence).toBeLessThan(0.7);
    expect(out).toMatchObject({ review_required: true, status: 'required' });
    expect(out.reasons[0]).toMatchObject({ stage: 'job', code: 'low_confidence' });
    expect(out.reasons).toContainEqual(expect.objectContaining({ stage: 'B', code: 'low_confidence' }));
    expect(out.reasons.some((r) => r.stage === 'C' && r.code === 'low_confidence')).toBe(false);
  });

  test('uses the job threshold over the process setting', async () => {
    const inputs = await upstream(0.92, 0.9);
    const strict = await humanReviewStage(inputs, downstreamContext({ review_threshold: 0.99 }));
    expect(strict).toMatchObject({ review_required: true, threshold: 0.99 });
    const lenient = await humanReviewStage(await upstream(0.35, 0.9), downstreamContext({}, { reviewThreshold: 0.1 }));
    expect(lenient).toMatchObject({ review_required: false, threshold: 0.1 });
  });

  test('never requires review when the job disabled it, but still reports why it would', async () => {
    const out = await humanReviewStage(await upstream(0.35, 0.9), downstreamContext({ enable_human_review: false }));
    expect(out).toMatchObject({ review_required: false, status: 'disabled' });
    expect(out.reasons[0]).toMatchObject({ stage: 'job', code: 'low_confidence' });
  });

  test('names alignment inconsistencies and round-trip mismatches with their refs', async () => {
    const out = await humanReviewStage(await upstream(0.92, 0.9, { omitLabels: ['N'], roundtrip: 0.4 }), downstreamContext());
    expect(out.reasons).toContainEqual(expect.objectContaining({ stage: 'D', code: 'alignment_inconsistency', refs: ['point:N'] }));
    expect(out.reasons).toContainEqual(expect.objectContaining({ stage: 'F', code: 'roundtrip_mismatch' }));
  });

  test('requires review for one failed formula round trip among many good ones, though the job confidence is above the threshold', async () => {
    const scores = [...Array.from({ length: 19 }, () => 0.95), FORMULA_MISMATCH_BELOW - 0.05];
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const inputs = { ...(await upstream(0.92, 0.9)), F: regeneration(mean, scores) };
    const out = HumanReviewOutput.parse(await humanReviewStage(inputs, downstreamContext()));
    expect(out.job_confidence).toBeGreaterThan(0.7);
    expect(out).toMatchObject({ review_required: true, status: 'required' });
    const mismatches = out.reasons.filter((r) => r.code === 'roundtrip_mismatch');
    expect(mismatches).toEqual([expect.objectContaining({ stage: 'F', refs: ['formula:20'] })]);
    expect(mismatches[0]!.message).toContain('AB = 49');
    // The same job with every round trip passing is not sent to a person.
    const good = await humanReviewStage({ ...inputs, F: regeneration(0.95, scores.map(() => 0.95)) }, downstreamContext());
    expect(good).toMatchObject({ review_required: false, status: 'not_required' });
    expect(good.reasons.some((r) => r.code === 'roundtrip_mismatch')).toBe(false);
  });

  test('a failed round trip is reported but does not require review when the job disabled review', async () => {
    const inputs = { ...(await upstream(0.92, 0.9)), F: regeneration(0.9, [0.95, 0.5]) };
    const out = await humanReviewStage(inputs, downstreamContext({ enable_human_review: false }));
    expect(out).toMatchObject({ review_required: false, status: 'disabled' });
    expect(out.reasons).toContainEqual(expect.objectContaining({ code: 'roundtrip_mismatch', refs: ['formula:2'] }));
  });

  test('combines only the stages that ran', async () => {
    const full = await upstream(0.92, 0.9);
    const out = await humanReviewStage({ B: full.B, D: full.D }, downstreamContext());
    expect(Object.keys(out.stage_confidences).sort()).toEqual(['B', 'D']);
    expect(out.job_confidence).toBe(combineStageConfidences({ B: full.B?.confidence, D: full.D?.confidence }));
  });
});

describe('job confidence', () => {
  test('is 0.4 times the weakest stage plus 0.6 times the weighted mean of the present stages', () => {
    expect(combineStageConfidences({ B: 0.8, C: 0.8, D: 0.8, E: 0.8, F: 0.8 })).toBeCloseTo(0.8, 3);
    const mean = (0.25 * 0.9 + 0.25 * 0.4) / 0.5;
    expect(combineStageConfidences({ B: 0.9, C: 0.4 })).toBeCloseTo(0.4 * 0.4 + 0.6 * mean, 3);
  });

  test('is pulled down harder by one weak stage than a weighted mean would be', () => {
    const combined = combineStageConfidences({ B: 0.2, C: 1, D: 1, E: 1, F: 1 });
    expect(combined).toBeLessThan(0.25 * 0.2 + 0.75);
    expect(combined).toBeGreaterThan(0.2);
  });

  test('routes one stage at 0.5 among good ones to review at the default threshold, but not one at 0.6', () => {
    expect(combineStageConfidences({ B: 0.5, C: 0.9, D: 0.9, E: 0.9, F: 0.9 })).toBeLessThan(0.7);
    expect(combineStageConfidences({ B: 0.6, C: 0.95, D: 0.95, E: 0.95, F: 0.95 })).toBeGreaterThan(0.7);
  });

  test('is 1 when no stage ran', () => {
    expect(combineStageConfidences({})).toBe(1);
  });
});
