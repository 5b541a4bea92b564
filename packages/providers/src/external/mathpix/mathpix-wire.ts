/** The parts of Mathpix's `v3/text` answer we read (unknown fields pass through untouched). */
import { z } from 'zod';

const Point = z.tuple([z.number(), z.number()]);

export const MathpixLine = z.looseObject({
  type: z.string().optional(),
  subtype: z.string().optional(),
  cnt: z.array(Point).optional(),
  text: z.string().optional(),
  confidence: z.number().optional(),
  confidence_rate: z.number().optional(),
  included: z.boolean().optional(),
  is_printed: z.boolean().optional(),
  is_handwritten: z.boolean().optional(),
});
export type MathpixLine = z.infer<typeof MathpixLine>;

/** A `word_data` entry (only with `include_word_data`, which Mathpix refuses alongside `include_line_data`). */
export const MathpixWord = z.looseObject({
  type: z.string().optional(),
  cnt: z.array(Point).optional(),
  text: z.string().optional(),
  latex: z.string().optional(),
  confidence: z.number().optional(),
});
export type MathpixWord = z.infer<typeof MathpixWord>;

export const MathpixResponse = z.looseObject({
  request_id: z.string().optional(),
  text: z.string().optional(),
  latex_styled: z.string().optional(),
  confidence: z.number().optional(),
  confidence_rate: z.number().optional(),
  data: z.array(z.looseObject({ type: z.string(), value: z.string() })).optional(),
  line_data: z.array(MathpixLine).optional(),
  word_data: z.array(MathpixWord).optional(),
  image_width: z.number().optional(),
  image_height: z.number().optional(),
  error: z.string().optional(),
  error_info: z.looseObject({ id: z.string(), message: z.string().optional() }).optional(),
});
export type MathpixResponse = z.infer<typeof MathpixResponse>;
