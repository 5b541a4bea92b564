/** What is wrong with a reviewer's corrections, field by field (a 422 at the API). */
export interface CorrectionIssue {
  /** The request field at fault, e.g. `corrections.formulas[0].latex`, `corrections.facts[2].subject`. */
  field: string;
  message: string;
}

/** Corrections that do not fit the job: an index past the formulas, LaTeX MathJax cannot parse, a fact about no node. */
export class ReviewCorrectionError extends Error {
  override readonly name = 'ReviewCorrectionError';
  readonly code = 'review_correction_invalid' as const;
  readonly retryable = false;
  constructor(readonly issues: CorrectionIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
}
