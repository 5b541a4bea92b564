/** Stage B output: the text with its formulas, line by line. */
import { z } from 'zod';
import { BBox, Confidence, StageMeta } from '../common';

export const TextWord = z.object({ text: z.string(), bbox: BBox, confidence: Confidence });
export type TextWord = z.infer<typeof TextWord>;

export const TextLine = z.object({
  text: z.string(),
  bbox: BBox,
  confidence: Confidence,
  type: z.enum(['text', 'math', 'mixed']).default('text'),
  words: z.array(TextWord).default([]),
});
export type TextLine = z.infer<typeof TextLine>;

export const Formula = z.object({
  latex: z.string(),
  display: z.boolean().default(false),
  bbox: BBox.optional(),
  confidence: Confidence,
});
export type Formula = z.infer<typeof Formula>;

/**
 * A word read inside or beside a diagram (a point label such as `A`, a measure such as `2x + 3`).
 * It is kept out of `text` and `lines` so it does not pollute the prose, but not thrown away:
 * alignment can still tie it to the diagram.
 */
export const TextLabel = z.object({
  text: z.string(),
  /** LaTeX when the label reads as math (`2x + 3`, `\odot X`). */
  latex: z.string().optional(),
  bbox: BBox,
  confidence: Confidence,
  /** Inside a diagram (given by stage C or found from line art), or far from the text column. */
  reason: z.enum(['diagram_region', 'outside_text_column']),
});
export type TextLabel = z.infer<typeof TextLabel>;

export const TextParseOutput = StageMeta.extend({
  /** Markdown-style text, formulas inline as `$...$` and displayed as `$$...$$`. */
  text: z.string(),
  latex_styled: z.string().optional(),
  lines: z.array(TextLine),
  formulas: z.array(Formula),
  /** Diagram labels set apart from the prose (optional: not every provider separates them). */
  labels: z.array(TextLabel).optional(),
  /** Raw provider payload kept for debugging (bounded by the provider). */
  raw: z.unknown().optional(),
});
export type TextParseOutput = z.infer<typeof TextParseOutput>;
