/** Stage C output: layout regions and, for diagrams, the geometric elements found in them. */
import { z } from 'zod';
import { BBox, Confidence, StageMeta } from '../common';

export const RegionType = z.enum(['text_line', 'formula', 'diagram', 'table', 'figure']);
export const Region = z.object({
  id: z.string(),
  type: RegionType,
  bbox: BBox,
  confidence: Confidence,
});
export type Region = z.infer<typeof Region>;

export const ElementType = z.enum(['point', 'segment', 'line', 'ray', 'circle', 'arc', 'curve', 'axis', 'label', 'angle_mark', 'polygon']);
export type ElementType = z.infer<typeof ElementType>;

const Pt = z.object({ x: z.number(), y: z.number() });

export const DiagramElement = z.object({
  id: z.string(),
  type: ElementType,
  bbox: BBox,
  confidence: Confidence,
  region_id: z.string().optional(),
  /** Label text for `label` elements; a name such as `A` for named points. */
  text: z.string().optional(),
  /** Geometry by type: point {x,y}; segment/line/ray {x1,y1,x2,y2}; circle/arc {cx,cy,r}. */
  point: Pt.optional(),
  endpoints: z.tuple([Pt, Pt]).optional(),
  center: Pt.optional(),
  radius: z.number().nonnegative().optional(),
  /** For arcs: start and end angles in degrees, counter-clockwise. */
  angles: z.tuple([z.number(), z.number()]).optional(),
  /** Points of a curve or polygon. */
  path: z.array(Pt).optional(),
});
export type DiagramElement = z.infer<typeof DiagramElement>;

export const Relation = z.object({
  type: z.string(),
  from: z.string(),
  to: z.string(),
  confidence: Confidence,
});
export type Relation = z.infer<typeof Relation>;

export const VisionParseOutput = StageMeta.extend({
  diagram_type: z.enum(['geometry', 'graph', 'chart', 'table', 'none', 'unknown']).default('unknown'),
  regions: z.array(Region),
  elements: z.array(DiagramElement),
  relations: z.array(Relation).default([]),
});
export type VisionParseOutput = z.infer<typeof VisionParseOutput>;
