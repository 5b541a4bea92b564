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

/** What an external provider's answer cost: calls per provider, LLM tokens, estimated USD. */
export const StageUsage = z.object({
  calls: z.record(z.string(), z.number().int().nonnegative()),
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  estimated_cost_usd: z.number().nonnegative().optional(),
});
export type StageUsage = z.infer<typeof StageUsage>;

/** Fields every stage output carries (DESIGN.md, "Stages"). */
export const StageMeta = z.object({
  provider: z.string(),
  confidence: Confidence,
  duration_ms: z.number().nonnegative(),
  fallback_reason: z.string().optional(),
  /** Set by external providers (docs/providers.md); summed into the result's `usage`. */
  usage: StageUsage.optional(),
});
export type StageMeta = z.infer<typeof StageMeta>;
