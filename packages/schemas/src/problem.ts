/** RFC 9457 problem details, as every error response carries them. */
import { z } from 'zod';

export const ProblemFieldError = z.object({
  /** The field or check that failed, e.g. `options.skip_stages[0]` or `max_dimensions`. */
  field: z.string(),
  message: z.string(),
});
export type ProblemFieldError = z.infer<typeof ProblemFieldError>;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(ProblemFieldError).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_BASE = 'https://mathpix-pipeline.dev/problems/';
