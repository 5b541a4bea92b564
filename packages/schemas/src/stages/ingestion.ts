/** Stage A output: what ingestion learned about the image and where its normalised copy lives. */
import { z } from 'zod';
import { StageMeta } from '../common';

export const IngestionOutput = StageMeta.extend({
  /** Blob reference of the normalised image (PNG) that later stages read. */
  image_ref: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  original: z.object({
    format: z.enum(['png', 'jpeg', 'webp']),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    bytes: z.number().int().nonnegative(),
    orientation: z.number().int().min(1).max(8).optional(),
    has_alpha: z.boolean(),
  }),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Factor applied to the original size (1 = unchanged). */
  scale: z.number().positive(),
  rotated: z.boolean(),
  alpha_flattened: z.boolean(),
});
export type IngestionOutput = z.infer<typeof IngestionOutput>;
