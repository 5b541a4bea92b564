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

/**
 * How deep metadata may nest. Serialising and fingerprinting it recurse, so a few thousand nested
 * objects (a 40 KB body) would overflow the stack; the depth is counted without recursion first.
 */
export const METADATA_MAX_DEPTH = 32;

/** Whether a parsed JSON value holds objects or arrays nested more than `limit` deep (iterative). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

const MetadataRecord = z
  .record(z.string().max(128), z.unknown())
  .refine((m) => !nestsDeeperThan(m, METADATA_MAX_DEPTH), { message: `metadata must not nest deeper than ${METADATA_MAX_DEPTH} levels`, abort: true })
  .refine((m) => JSON.stringify(m).length <= 16_384, { message: 'metadata must serialise to at most 16 KiB' });

/**
 * Client metadata echoed back verbatim; bounded so it cannot bloat job records. A top-level
 * `__proto__` key (JSON.parse makes it an own property) would be dropped without a word by the
 * record parse, so the echo would differ from what was sent: it is refused, before that parse.
 */
export const JobMetadata = z.preprocess((value, ctx) => {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, '__proto__')) ctx.addIssue({ code: 'custom', message: '"__proto__" is not allowed as a metadata key', input: value });
  return value;
}, MetadataRecord);
export type JobMetadata = z.infer<typeof JobMetadata>;
