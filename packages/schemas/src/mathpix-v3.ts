/**
 * The subset of Mathpix's `POST /v3/text` that the compatibility endpoint accepts and the fields it
 * answers with (docs/mathpix-compat.md lists what is honoured). Unknown Mathpix options are
 * accepted and ignored (passthrough), as code written for Mathpix sends many of them.
 */
import { z } from 'zod';

export const MATHPIX_FORMATS = ['text', 'data', 'html', 'latex_styled'] as const;

export const MathpixDataOptions = z
  .object({
    include_latex: z.boolean().optional(),
    include_asciimath: z.boolean().optional(),
    include_mathml: z.boolean().optional(),
    include_svg: z.boolean().optional(),
    include_table_html: z.boolean().optional(),
    include_tsv: z.boolean().optional(),
  })
  .passthrough();

export const MathpixTextRequest = z
  .object({
    /** Image URL, or a data URL `data:image/png;base64,...`. Absent when the image is a multipart `file`. */
    src: z.string().min(1).optional(),
    formats: z.array(z.string()).optional(),
    data_options: MathpixDataOptions.optional(),
    include_line_data: z.boolean().optional(),
    include_word_data: z.boolean().optional(),
    confidence_threshold: z.number().min(0).max(1).optional(),
    confidence_rate_threshold: z.number().min(0).max(1).optional(),
    math_inline_delimiters: z.tuple([z.string(), z.string()]).optional(),
    math_display_delimiters: z.tuple([z.string(), z.string()]).optional(),
    rm_spaces: z.boolean().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    tags: z.array(z.string()).optional(),
  })
  .passthrough();
export type MathpixTextRequest = z.infer<typeof MathpixTextRequest>;

export const MathpixLineData = z.object({
  type: z.string(),
  subtype: z.string().optional(),
  cnt: z.array(z.tuple([z.number(), z.number()])),
  included: z.boolean(),
  is_printed: z.boolean(),
  is_handwritten: z.boolean(),
  text: z.string(),
  confidence: z.number().min(0).max(1),
  confidence_rate: z.number().min(0).max(1),
});
export type MathpixLineData = z.infer<typeof MathpixLineData>;

export const MathpixErrorInfo = z
  .object({ id: z.string(), message: z.string(), detail: z.unknown().optional() })
  .passthrough();

export const MathpixTextResponse = z.object({
  request_id: z.string(),
  text: z.string().optional(),
  latex_styled: z.string().optional(),
  html: z.string().optional(),
  data: z.array(z.object({ type: z.string(), value: z.string() })).optional(),
  confidence: z.number().min(0).max(1).optional(),
  confidence_rate: z.number().min(0).max(1).optional(),
  line_data: z.array(MathpixLineData).optional(),
  image_width: z.number().int().optional(),
  image_height: z.number().int().optional(),
  is_printed: z.boolean().optional(),
  is_handwritten: z.boolean().optional(),
  auto_rotate_confidence: z.number().optional(),
  auto_rotate_degrees: z.number().int().optional(),
  version: z.string().optional(),
  error: z.string().optional(),
  error_info: MathpixErrorInfo.optional(),
});
export type MathpixTextResponse = z.infer<typeof MathpixTextResponse>;
