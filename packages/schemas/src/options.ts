/** `PipelineOptions`, as clients send them in `options` (snake_case, unknown fields refused). */
import { z } from 'zod';
import { parseStageRef, type StageId } from './stages/catalog';

export const EXPORT_FORMATS = ['json', 'latex', 'markdown', 'html', 'svg', 'docx', 'yaml'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

const StageRef = z.string().transform((ref, ctx): StageId => {
  const id = parseStageRef(ref);
  if (!id) {
    ctx.addIssue({ code: 'custom', message: `unknown stage "${ref}": use A-H or a stage name such as text_parse` });
    return z.NEVER;
  }
  return id;
});

export const AlignmentOptions = z.strictObject({
  base_alignment_threshold: z.number().min(0).max(1).optional(),
  position_weight: z.number().min(0).max(1).optional(),
  semantic_weight: z.number().min(0).max(1).optional(),
});

export const PipelineOptions = z.strictObject({
  skip_stages: z.array(StageRef).max(8).default([]),
  export_formats: z.array(ExportFormat).min(1).max(EXPORT_FORMATS.length).default(['json']),
  enable_human_review: z.boolean().default(true),
  review_threshold: z.number().min(0).max(1).optional(),
  priority: z.number().int().min(1).max(1000).optional(),
  timeout_seconds: z.number().int().min(1).max(86_400).optional(),
  /** Ordered provider names per stage letter, e.g. `{ "B": ["local"] }`. */
  providers: z.partialRecord(z.enum(['B', 'C']), z.array(z.string().min(1).max(40)).min(1).max(5)).optional(),
  alignment: AlignmentOptions.optional(),
});
export type PipelineOptions = z.output<typeof PipelineOptions>;
export type PipelineOptionsInput = z.input<typeof PipelineOptions>;

/** Client metadata echoed back verbatim; bounded so it cannot bloat job records. */
export const JobMetadata = z
  .record(z.string().max(128), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 16_384, { message: 'metadata must serialise to at most 16 KiB' });
export type JobMetadata = z.infer<typeof JobMetadata>;
