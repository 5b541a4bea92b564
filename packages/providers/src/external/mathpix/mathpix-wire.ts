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

export const MathpixResponse = z.looseObject({
  request_id: z.string().optional(),
  text: z.string().optional(),
  latex_styled: z.string().optional(),
  confidence: z.number().optional(),
  confidence_rate: z.number().optional(),
  data: z.array(z.looseObject({ type: z.string(), value: z.string() })).optional(),
  line_data: z.array(MathpixLine).optional(),
  image_width: z.number().optional(),
  image_height: z.number().optional(),
  error: z.string().optional(),
  error_info: z.looseObject({ id: z.string(), message: z.string().optional() }).optional(),
});
export type MathpixResponse = z.infer<typeof MathpixResponse>;
