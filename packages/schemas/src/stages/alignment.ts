/** Stage D output: text entities tied to visual elements, and what does not agree. */
import { z } from 'zod';
import { BBox, Confidence, StageMeta } from '../common';

export const TextEntity = z.object({
  id: z.string(),
  kind: z.enum(['point_label', 'segment', 'circle', 'arc', 'angle', 'line', 'equation', 'value', 'other']),
  /** As written in the text, e.g. `AB`, `\odot X`, `m\widehat{CZ}`. */
  text: z.string(),
  /** Point names it refers to, e.g. `["A","B"]` for `AB`. */
  refs: z.array(z.string()).default([]),
  value: z.number().optional(),
  /** For `value` and `equation` entities: id of the entity the statement is about, e.g. `segment:AB` for `AB = 30`. */
  subject: z.string().optional(),
  bbox: BBox.optional(),
});
export type TextEntity = z.infer<typeof TextEntity>;

export const AlignmentPair = z.object({
  entity_id: z.string(),
  element_id: z.string(),
  score: Confidence,
  position_score: Confidence,
  semantic_score: Confidence,
});
export type AlignmentPair = z.infer<typeof AlignmentPair>;

export const Inconsistency = z.object({
  type: z.enum(['label_missing_in_diagram', 'label_not_in_text', 'value_conflict', 'low_alignment', 'other']),
  severity: z.enum(['info', 'warning', 'error']),
  message: z.string(),
  refs: z.array(z.string()).default([]),
});
export type Inconsistency = z.infer<typeof Inconsistency>;

export const AlignmentOutput = StageMeta.extend({
  entities: z.array(TextEntity),
  pairs: z.array(AlignmentPair),
  inconsistencies: z.array(Inconsistency),
  unmatched_elements: z.array(z.string()),
  unmatched_entities: z.array(z.string()),
  alignment_score: Confidence,
  config: z.object({
    base_alignment_threshold: z.number(),
    position_weight: z.number(),
    semantic_weight: z.number(),
  }),
});
export type AlignmentOutput = z.infer<typeof AlignmentOutput>;
