/**
 * Stage F after a correction of stage B: F's formulas stay parallel to B's (one rendering per
 * formula, same index), so the JSON result never lists old LaTeX beside corrected text.
 *
 * A formula whose LaTeX F already rendered keeps that rendering and its round-trip score (the
 * score compares that LaTeX with its region of the image); a new one is rendered with MathJax and
 * has no score, since nothing measured it. The round-trip summary, the confidence and the LaTeX
 * document are then worked out again the way stage F does (`regenerationConfidence`,
 * `buildLatexDocument`).
 */
import type { RegenerationOutput, TextParseOutput } from '@mpp/schemas';
import { MAX_RENDERED_FORMULAS } from '../regeneration';
import { regenerationConfidence } from '../regeneration/confidence';
import { buildLatexDocument } from '../regeneration/latex-document';
import type { FormulaRenderer } from './formula-renderer';

type RenderedFormula = RegenerationOutput['formulas'][number];

export async function followRegeneration(F: RegenerationOutput, B: TextParseOutput, render: FormulaRenderer): Promise<RegenerationOutput> {
  const unused = [...F.formulas];
  const formulas: RenderedFormula[] = [];
  for (const [index, formula] of B.formulas.entries()) {
    const at = unused.findIndex((f) => f.latex.trim() === formula.latex.trim());
    if (at >= 0) {
      formulas.push(unused.splice(at, 1)[0]!);
    } else if (index >= MAX_RENDERED_FORMULAS) {
      formulas.push({ latex: formula.latex, error: `not rendered: more than ${MAX_RENDERED_FORMULAS} formulas in one job` });
    } else {
      const rendering = await render(formula.latex, formula.display);
      formulas.push(rendering.svg !== undefined ? { latex: formula.latex, svg: rendering.svg } : { latex: formula.latex, error: rendering.error });
    }
  }
  const scores = formulas.map((f) => f.roundtrip_score).filter((s): s is number => s !== undefined);
  const formulaScore = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : undefined;
  const diagramScore = F.roundtrip.diagram_score;
  const parts = [formulaScore, diagramScore].filter((s): s is number => s !== undefined);
  const overall = parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : undefined;
  return {
    ...F,
    confidence: regenerationConfidence(formulas.slice(0, MAX_RENDERED_FORMULAS), diagramScore),
    formulas,
    latex_document: buildLatexDocument({ text: B.text, tikz: F.diagram_tikz }),
    roundtrip: {
      ...(formulaScore !== undefined ? { formula_score: formulaScore } : {}),
      ...(diagramScore !== undefined ? { diagram_score: diagramScore } : {}),
      ...(overall !== undefined ? { overall } : {}),
    },
  };
}
