/** The result document of a completed job (`GET /v1/jobs/:id/result`), versioned. */
import { z } from 'zod';
import { STAGE_OUTPUT_SCHEMAS } from './stages';
import { JobStatus } from './job';

export const RESULT_SCHEMA_VERSION = '2.0.0';

export const Usage = z.object({
  calls: z.record(z.string(), z.number().int().nonnegative()),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  estimated_cost_usd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const ResultDocument = z.object({
  schema_version: z.literal(RESULT_SCHEMA_VERSION),
  id: z.string(),
  status: JobStatus,
  created_at: z.string(),
  completed_at: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  image: STAGE_OUTPUT_SCHEMAS.A.nullable(),
  text: STAGE_OUTPUT_SCHEMAS.B.nullable(),
  vision: STAGE_OUTPUT_SCHEMAS.C.nullable(),
  alignment: STAGE_OUTPUT_SCHEMAS.D.nullable(),
  graph: STAGE_OUTPUT_SCHEMAS.E.nullable(),
  regeneration: STAGE_OUTPUT_SCHEMAS.F.nullable(),
  review: STAGE_OUTPUT_SCHEMAS.G.nullable(),
  exports: z.array(z.object({ format: z.string(), content_type: z.string(), filename: z.string(), bytes: z.number(), url: z.string() })),
  confidence: z.number().min(0).max(1),
  usage: Usage,
  timings_ms: z.record(z.string(), z.number()),
});
export type ResultDocument = z.infer<typeof ResultDocument>;
