/** Reads the flow plan (skipped stages, priority) from a job's stored, already validated options. */
import { isStageId, type StageId } from '@mpp/schemas';
import type { FlowPlan } from './flow';

/**
 * The priority of a job that asks for none: the middle of `options.priority`'s 1..1000. BullMQ
 * serves jobs without a priority before every prioritised one, so leaving it unset would make
 * `priority: 1` ("most urgent") wait behind all ordinary jobs; with a default, 1..499 go first and
 * 501..1000 after, as users expect.
 */
export const DEFAULT_PRIORITY = 500;

export function planFromOptions(options: Record<string, unknown>): FlowPlan {
  const skip = Array.isArray(options.skip_stages) ? (options.skip_stages as unknown[]).filter((s): s is StageId => typeof s === 'string' && isStageId(s)) : [];
  const priority = typeof options.priority === 'number' ? options.priority : DEFAULT_PRIORITY;
  return { skip, priority };
}
