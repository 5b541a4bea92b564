/** Shapes shared by every stage output and by the job view. */
import { z } from 'zod';

/** Axis-aligned box in pixels of the normalised image (origin top-left). */
export const BBox = z.object({
  x: z.number(),
  y: z.number(),
  w: z.number().nonnegative(),
  h: z.number().nonnegative(),
});
export type BBox = z.infer<typeof BBox>;

export const Confidence = z.number().min(0).max(1);

/** Fields every stage output carries (DESIGN.md, "Stages"). */
export const StageMeta = z.object({
  provider: z.string(),
  confidence: Confidence,
  duration_ms: z.number().nonnegative(),
  fallback_reason: z.string().optional(),
});
export type StageMeta = z.infer<typeof StageMeta>;
