/**
 * Applies a reviewer's corrections to the stage outputs they touch, as a pure function of the
 * outputs and the corrections, so applying the same decision twice (the API, then a worker
 * recovering after a crash) gives the same outputs.
 *
 * - a formula's LaTeX replaces `B.formulas[i].latex` and the same math inside B's text and lines;
 * - `text` replaces B's whole text (after the formula replacements, so it wins);
 * - `facts` replace E's facts (confidence 1: a person stated them);
 * - F follows B: each corrected formula is rendered again with MathJax and the LaTeX document is
 *   rebuilt from the corrected text and the diagram's TikZ, so the exports carry the correction.
 *
 * Every change is listed as `{path, before, after}`; that list is what the result's `review`
 * section and the feedback export record.
 */
import type { ReviewChange, ReviewCorrections, SemanticGraphOutput, StageOutputs, TextParseOutput, RegenerationOutput } from '@mpp/schemas';
import { buildLatexDocument } from '../regeneration/latex-document';
import { texToSvg } from '../regeneration/mathjax';

export type CorrectableOutputs = Pick<Partial<StageOutputs>, 'B' | 'E' | 'F'>;

/** A correction that does not fit the job's outputs (an index past the formulas, no text stage). */
export class ReviewCorrectionError extends Error {
  override readonly name = 'ReviewCorrectionError';
  readonly code = 'review_correction_invalid' as const;
  readonly retryable = false;
  constructor(readonly issues: Array<{ field: string; message: string }>) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  }
}

export async function applyReviewCorrections(outputs: CorrectableOutputs, corrections: ReviewCorrections): Promise<{ outputs: CorrectableOutputs; changes: ReviewChange[] }> {
  const issues: Array<{ field: string; message: string }> = [];
  const changes: ReviewChange[] = [];
  let B: TextParseOutput | undefined = outputs.B;
  let E: SemanticGraphOutput | undefined = outputs.E;
  const replaced = new Map<string, string>();

  if (corrections.formulas?.length) {
    if (!B) issues.push({ field: 'corrections.formulas', message: 'this job has no recognised text (text_parse was skipped)' });
    else {
      const formulas = [...B.formulas];
      corrections.formulas.forEach((c, i) => {
        const current = formulas[c.index];
        if (!current) {
          issues.push({ field: `corrections.formulas[${i}].index`, message: `no formula ${c.index}; the job has ${formulas.length}` });
          return;
        }
        if (current.latex === c.latex) return;
        changes.push({ path: `text.formulas[${c.index}].latex`, before: current.latex, after: c.latex });
        replaced.set(current.latex.trim(), c.latex.trim());
        formulas[c.index] = { ...current, latex: c.latex, confidence: 1 };
      });
      B = { ...B, formulas, text: replaceMath(B.text, replaced), lines: B.lines.map((l) => ({ ...l, text: replaceMath(l.text, replaced) })) };
    }
  }
  if (corrections.text !== undefined) {
    if (!B) issues.push({ field: 'corrections.text', message: 'this job has no recognised text (text_parse was skipped)' });
    else if (corrections.text !== B.text) {
      changes.push({ path: 'text.text', before: outputs.B?.text ?? null, after: corrections.text });
      B = { ...B, text: corrections.text };
    }
  }
  if (corrections.facts !== undefined) {
    if (!E) issues.push({ field: 'corrections.facts', message: 'this job has no semantic graph (semantic_graph was skipped)' });
    else {
      const facts = corrections.facts.map((f) => ({ ...f, confidence: 1 }));
      changes.push({ path: 'graph.facts', before: E.facts, after: facts });
      E = { ...E, facts };
    }
  }
  if (issues.length) throw new ReviewCorrectionError(issues);

  let F: RegenerationOutput | undefined = outputs.F;
  if (F && B && B !== outputs.B) F = await regenerate(F, B);
  return { outputs: { ...(B ? { B } : {}), ...(E ? { E } : {}), ...(F ? { F } : {}) }, changes };
}

/** Replaces whole math segments whose LaTeX was corrected; prose and other math stay as they were. */
function replaceMath(text: string, replaced: ReadonlyMap<string, string>): string {
  if (replaced.size === 0) return text;
  let out = '';
  let last = 0;
  const pattern = /\$\$([\s\S]+?)\$\$|(?<!\\)\$((?:\\\$|[^$\n])+?)\$/g;
  for (const m of text.matchAll(pattern)) {
    const start = m.index ?? 0;
    const display = m[1] !== undefined;
    const body = (m[1] ?? m[2] ?? '').trim();
    const after = replaced.get(body);
    out += text.slice(last, start) + (after === undefined ? m[0] : display ? `$$${after}$$` : `$${after}$`);
    last = start + m[0].length;
  }
  return out + text.slice(last);
}

async function regenerate(F: RegenerationOutput, B: TextParseOutput): Promise<RegenerationOutput> {
  const formulas = await Promise.all(
    F.formulas.map(async (f, i) => {
      const corrected = B.formulas[i]?.latex;
      if (corrected === undefined || corrected === f.latex) return f;
      const rendering = await texToSvg(corrected, B.formulas[i]?.display ?? false);
      // The round-trip score was measured for the old LaTeX; it says nothing about the new one.
      return rendering.svg !== undefined ? { latex: corrected, svg: rendering.svg } : { latex: corrected, error: rendering.error };
    }),
  );
  return { ...F, formulas, latex_document: buildLatexDocument({ text: B.text, tikz: F.diagram_tikz }) };
}
