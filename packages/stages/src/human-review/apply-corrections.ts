/**
 * Applies a reviewer's corrections to the stage outputs they touch, as a pure function of the
 * outputs and the corrections, so applying the same decision twice (the API, then a worker
 * recovering after a crash) gives the same outputs. Everything is checked before anything is
 * kept: a correction that does not fit the job is a `ReviewCorrectionError` naming each field, at
 * decision time, never later at export.
 *
 * - B: formulas by index and the whole text (correct-text.ts: re-read formulas, LaTeX checked
 *   with MathJax);
 * - E follows B: when B changed, the graph is built again from the corrected text (with C and D
 *   as recognised), the way stage E builds it; then `facts` replace its facts (correct-facts.ts:
 *   subjects checked against the graph's nodes, nodes and edges updated, validation run again);
 * - F follows B: formulas rendered again where their LaTeX changed, round-trip summary and
 *   LaTeX document worked out again (follow-regeneration.ts).
 *
 * Every change is listed as `{path, before, after}`; that list is what the result's `review`
 * section and the feedback export record.
 */
import type { ReviewChange, ReviewCorrections, StageOutputs } from '@mpp/schemas';
import { buildSemanticGraph } from '../semantic-graph/build-graph';
import { correctFacts } from './correct-facts';
import { correctText } from './correct-text';
import { ReviewCorrectionError, type CorrectionIssue } from './correction-issues';
import { followRegeneration } from './follow-regeneration';
import { formulaRenderer } from './formula-renderer';

export { ReviewCorrectionError, type CorrectionIssue } from './correction-issues';

/** What corrections change (B, E, F) and read (C, D: the graph is rebuilt with them). */
export type CorrectableOutputs = Pick<Partial<StageOutputs>, 'B' | 'C' | 'D' | 'E' | 'F'>;
export type CorrectedOutputs = Pick<Partial<StageOutputs>, 'B' | 'E' | 'F'>;

export async function applyReviewCorrections(outputs: CorrectableOutputs, corrections: ReviewCorrections): Promise<{ outputs: CorrectedOutputs; changes: ReviewChange[] }> {
  const issues: CorrectionIssue[] = [];
  const changes: ReviewChange[] = [];
  const render = formulaRenderer();
  let { B, E, F } = outputs;

  const touchesText = (corrections.formulas?.length ?? 0) > 0 || corrections.text !== undefined;
  if (touchesText && !B) {
    const field = corrections.formulas?.length ? 'corrections.formulas' : 'corrections.text';
    issues.push({ field, message: 'this job has no recognised text (text_parse was skipped)' });
  } else if (touchesText && B) {
    const corrected = await correctText(B, corrections, render, issues);
    if (corrected.changes.length) {
      B = corrected.B;
      changes.push(...corrected.changes);
    }
  }
  const textChanged = B !== outputs.B;
  if (E && B && textChanged) {
    E = { ...E, ...buildSemanticGraph({ text: B, ...(outputs.C ? { vision: outputs.C } : {}), ...(outputs.D ? { alignment: outputs.D } : {}) }) };
  }
  if (corrections.facts !== undefined) {
    if (!E) issues.push({ field: 'corrections.facts', message: 'this job has no semantic graph (semantic_graph was skipped)' });
    else {
      const before = E.facts;
      E = correctFacts(E, corrections.facts, issues);
      changes.push({ path: 'graph.facts', before, after: E.facts });
    }
  }
  if (issues.length) throw new ReviewCorrectionError(issues);

  if (F && B && textChanged) F = await followRegeneration(F, B, render);
  return { outputs: { ...(B ? { B } : {}), ...(E ? { E } : {}), ...(F ? { F } : {}) }, changes };
}
