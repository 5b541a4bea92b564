/**
 * Stage F, regeneration: renders what stages B, C and E recognised back into LaTeX (TikZ for the
 * diagram) and SVG, then checks the round trip: each rendering is rasterised and compared with
 * the ink of the region it came from. Works with whatever upstream stages ran.
 */
import type { RegenerationOutput, TextParseOutput } from '@mpp/schemas';
import type { StageContext, StageFn } from '../context';
import { buildDiagramGeometry, type DiagramGeometry } from './diagram-geometry';
import { toDiagramSvg } from './diagram-svg';
import { buildLatexDocument } from './latex-document';
import { texToSvg } from './mathjax';
import { diagramRoundtrip, formulaRoundtrip, loadPageImage, type PageImage } from './roundtrip-checks';
import { toTikz } from './tikz';
import { regenerationConfidence } from './confidence';

export { scoreInkMatch, inkMatch, type InkMatch, type InkMatchOptions } from './roundtrip';
export { texToMathml, texToSvg, type MathmlRendering, type TexRendering } from './mathjax';

/** Formulas rendered per job; the rest are listed with an error, so indexes still match stage B's. */
export const MAX_RENDERED_FORMULAS = 200;
/** Formulas whose round trip is checked per job (each costs a rasterisation and a comparison). */
export const MAX_ROUNDTRIP_CHECKS = 100;

type RenderedFormula = RegenerationOutput['formulas'][number];

async function renderFormulas(text: TextParseOutput | undefined, ctx: StageContext): Promise<RenderedFormula[]> {
  const out: RenderedFormula[] = [];
  for (const [index, formula] of (text?.formulas ?? []).entries()) {
    if (index >= MAX_RENDERED_FORMULAS) {
      out.push({ latex: formula.latex, error: `not rendered: more than ${MAX_RENDERED_FORMULAS} formulas in one job` });
      continue;
    }
    ctx.signal.throwIfAborted();
    const rendered = await texToSvg(formula.latex, formula.display);
    out.push(rendered.svg !== undefined ? { latex: formula.latex, svg: rendered.svg } : { latex: formula.latex, error: rendered.error });
  }
  return out;
}

async function loadPage(ctx: StageContext): Promise<PageImage | undefined> {
  try {
    return await loadPageImage(await ctx.loadImage());
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'regeneration: image unavailable, round trip skipped');
    return undefined;
  }
}

/** A round-trip check that fails leaves its score out; it never fails the stage. */
async function checkQuietly(ctx: StageContext, what: string, check: () => Promise<number | undefined>): Promise<number | undefined> {
  try {
    const score = await check();
    return score === undefined ? undefined : clamp01(score);
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message, what }, 'regeneration: round-trip check failed');
    return undefined;
  }
}

function mean(values: number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

export const regenerationStage: StageFn<'F'> = async (input, ctx): Promise<RegenerationOutput> => {
  const startedAt = performance.now();
  const text = input.B;
  const formulas = await renderFormulas(text, ctx);

  const geometry: DiagramGeometry | undefined = buildDiagramGeometry(input.E, input.C);
  const diagramTikz = geometry ? toTikz(geometry) : undefined;
  const diagramSvg = geometry ? await toDiagramSvg(geometry) : undefined;
  const latexDocument = buildLatexDocument({ text: text?.text, tikz: diagramTikz });

  const checkable = (text?.formulas ?? [])
    .map((f, index) => ({ bbox: f.bbox, index, svg: formulas[index]?.svg, latex: f.latex }))
    .filter((f): f is { bbox: NonNullable<typeof f.bbox>; index: number; svg: string; latex: string } => !!f.bbox && !!f.svg)
    .slice(0, MAX_ROUNDTRIP_CHECKS);
  const page = checkable.length > 0 || geometry ? await loadPage(ctx) : undefined;

  const formulaScores: number[] = [];
  if (page) {
    for (const { bbox, index, svg, latex } of checkable) {
      ctx.signal.throwIfAborted();
      const score = await checkQuietly(ctx, `formula ${index}`, () => formulaRoundtrip(svg, page, bbox, latex));
      if (score === undefined) continue;
      formulas[index] = { ...formulas[index]!, roundtrip_score: score };
      formulaScores.push(score);
    }
  }
  let diagramScore: number | undefined;
  if (page && geometry && diagramSvg) {
    ctx.signal.throwIfAborted();
    diagramScore = await checkQuietly(ctx, 'diagram', () => diagramRoundtrip(diagramSvg, page, geometry.frame));
  }

  const formulaScore = mean(formulaScores);
  const overall = mean([formulaScore, diagramScore].filter((s): s is number => s !== undefined));
  // A poor round trip says the recognition is probably wrong, whatever the provider claimed.
  const confidence = regenerationConfidence(formulas.slice(0, MAX_RENDERED_FORMULAS), diagramScore);

  return {
    provider: 'mathjax',
    confidence: clamp01(confidence),
    duration_ms: Math.round(performance.now() - startedAt),
    latex_document: latexDocument,
    formulas,
    ...(diagramSvg !== undefined ? { diagram_svg: diagramSvg } : {}),
    ...(diagramTikz !== undefined ? { diagram_tikz: diagramTikz } : {}),
    roundtrip: {
      ...(formulaScore !== undefined ? { formula_score: clamp01(formulaScore) } : {}),
      ...(diagramScore !== undefined ? { diagram_score: diagramScore } : {}),
      ...(overall !== undefined ? { overall: clamp01(overall) } : {}),
    },
  };
};
