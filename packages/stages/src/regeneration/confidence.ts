/**
 * Stage F's confidence from its round-trip checks. A round-trip score is a similarity, not a
 * probability: a wholly different formula of about the same size still scores up to ~0.5 (ink
 * lands near ink), and right readings set in another face than MathJax's score 0.9-1. So a score
 * is read as evidence linearly between those two: 0 at or below 0.5, 1 at or above 0.95.
 *
 * Formulas: one MathJax cannot parse is certainly wrong (0); one checked against its region
 * counts its evidence; one without a region to check against was rendered and is not doubted (1).
 * The formulas' part is half their worst and half their mean: a mean alone lets one wrong formula
 * among twenty good ones move it by a twentieth, while the result is wrong all the same (the job's
 * confidence weighs its weakest stage the same way). The confidence is the mean of the formulas'
 * part and the diagram's evidence, whichever exist; with nothing to render or check, there is
 * nothing to doubt: 1.
 */
import type { RegenerationOutput } from '@mpp/schemas';

export const NO_MATCH_SCORE = 0.5;
export const FULL_MATCH_SCORE = 0.95;
/** Share of the worst formula in the formulas' part. */
export const WORST_FORMULA_SHARE = 0.5;

export function matchEvidence(score: number): number {
  return Math.min(1, Math.max(0, (score - NO_MATCH_SCORE) / (FULL_MATCH_SCORE - NO_MATCH_SCORE)));
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function worstAndMean(values: readonly number[]): number | undefined {
  const average = mean(values);
  return average === undefined ? undefined : WORST_FORMULA_SHARE * Math.min(...values) + (1 - WORST_FORMULA_SHARE) * average;
}

export function regenerationConfidence(formulas: RegenerationOutput['formulas'], diagramScore: number | undefined): number {
  const formulaPart = worstAndMean(formulas.map((f) => (f.svg === undefined ? 0 : f.roundtrip_score === undefined ? 1 : matchEvidence(f.roundtrip_score))));
  const diagramPart = diagramScore === undefined ? undefined : matchEvidence(diagramScore);
  return mean([formulaPart, diagramPart].filter((v): v is number => v !== undefined)) ?? 1;
}
