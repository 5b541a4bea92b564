/**
 * A reviewer's corrections to stage B: formulas by index, and the whole text.
 *
 * - a formula's LaTeX replaces `formulas[i].latex` and the same math inside the text and lines;
 * - `text` replaces the whole text; formula corrections sent with it apply to it too, and the
 *   formulas are then read again from the final text (`splitMath`, the splitter the LaTeX document
 *   uses), so `formulas` always lists the math the text holds. A formula read before keeps its box
 *   and confidence; one the reviewer wrote has no box and confidence 1.
 *
 * Every formula the reviewer wrote or changed must parse: MathJax (`texToSvg`, the renderer of
 * stage F) is asked, and its error is reported against the field that introduced the formula.
 */
import type { ReviewChange, ReviewCorrections, TextParseOutput } from '@mpp/schemas';
import { splitMath } from '../regeneration/latex-document';
import type { CorrectionIssue } from './correction-issues';
import type { FormulaRenderer } from './formula-renderer';

type Formula = TextParseOutput['formulas'][number];

export interface TextCorrection {
  B: TextParseOutput;
  changes: ReviewChange[];
}

export async function correctText(original: TextParseOutput, corrections: Pick<ReviewCorrections, 'formulas' | 'text'>, render: FormulaRenderer, issues: CorrectionIssue[]): Promise<TextCorrection> {
  const changes: ReviewChange[] = [];
  const replaced = new Map<string, string>();
  let formulas = [...original.formulas];
  for (const [i, c] of (corrections.formulas ?? []).entries()) {
    const current = formulas[c.index];
    if (!current) {
      issues.push({ field: `corrections.formulas[${i}].index`, message: `no formula ${c.index}; the job has ${formulas.length}` });
      continue;
    }
    if (current.latex === c.latex) continue;
    const rendering = await render(c.latex, current.display);
    if (rendering.error !== undefined) {
      issues.push({ field: `corrections.formulas[${i}].latex`, message: `MathJax cannot typeset formula ${c.index} "${clip(c.latex)}": ${rendering.error}` });
      continue;
    }
    changes.push({ path: `text.formulas[${c.index}].latex`, before: current.latex, after: c.latex });
    replaced.set(current.latex.trim(), c.latex.trim());
    formulas[c.index] = { ...current, latex: c.latex, confidence: 1 };
  }
  let text = replaceMath(original.text, replaced);
  const lines = original.lines.map((l) => ({ ...l, text: replaceMath(l.text, replaced) }));

  if (corrections.text !== undefined) {
    const corrected = replaceMath(corrections.text, replaced);
    if (corrected !== text) {
      changes.push({ path: 'text.text', before: original.text, after: corrected });
      text = corrected;
      formulas = readFormulas(text, formulas);
      for (const f of formulas) {
        // What the machine read stays as it was (stage F reports it if it does not render); what
        // a formula correction brought was checked above.
        if (original.formulas.some((o) => o.latex.trim() === f.latex.trim()) || replacedTo(replaced, f.latex)) continue;
        const rendering = await render(f.latex, f.display);
        if (rendering.error !== undefined) issues.push({ field: 'corrections.text', message: `MathJax cannot typeset the formula ${f.display ? `$$${clip(f.latex)}$$` : `$${clip(f.latex)}$`}: ${rendering.error}` });
      }
    }
  }
  return { B: { ...original, text, lines, formulas }, changes };
}

/** The formulas of `text` in order; one already known keeps its box and confidence (first unused match). */
function readFormulas(text: string, known: readonly Formula[]): Formula[] {
  const unused = [...known];
  const out: Formula[] = [];
  for (const segment of splitMath(text)) {
    if (segment.kind !== 'math' || segment.text.length === 0) continue;
    const at = unused.findIndex((f) => f.latex.trim() === segment.text);
    const previous = at >= 0 ? unused.splice(at, 1)[0] : undefined;
    out.push(previous ? { ...previous, latex: segment.text, display: segment.display } : { latex: segment.text, display: segment.display, confidence: 1 });
  }
  return out;
}

function replacedTo(replaced: ReadonlyMap<string, string>, latex: string): boolean {
  for (const after of replaced.values()) if (after === latex.trim()) return true;
  return false;
}

/** Replaces whole `$...$` / `$$...$$` segments whose LaTeX was corrected; prose and other math stay. */
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

function clip(latex: string): string {
  return latex.length > 80 ? `${latex.slice(0, 77)}...` : latex;
}
