/** Stage F output: regenerated LaTeX and SVG, and how well they match the input. */
import { z } from 'zod';
import { Confidence, StageMeta } from '../common';

export const RenderedFormula = z.object({
  latex: z.string(),
  svg: z.string().optional(),
  error: z.string().optional(),
  /** Round-trip similarity of the rendering with the source region (0-1), when it had one. */
  roundtrip_score: Confidence.optional(),
});

export const RegenerationOutput = StageMeta.extend({
  latex_document: z.string(),
  formulas: z.array(RenderedFormula),
  diagram_svg: z.string().optional(),
  diagram_tikz: z.string().optional(),
  roundtrip: z.object({
    formula_score: Confidence.optional(),
    diagram_score: Confidence.optional(),
    overall: Confidence.optional(),
  }),
});
export type RegenerationOutput = z.infer<typeof RegenerationOutput>;
