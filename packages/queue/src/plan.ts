/** Reads the flow plan (skipped stages, priority) from a job's stored, already validated options. */
import { isStageId, type StageId } from '@mpp/schemas';
import type { FlowPlan } from './flow';

export function planFromOptions(options: Record<string, unknown>): FlowPlan {
  const skip = Array.isArray(options.skip_stages) ? (options.skip_stages as unknown[]).filter((s): s is StageId => typeof s === 'string' && isStageId(s)) : [];
  const priority = typeof options.priority === 'number' ? options.priority : undefined;
  return priority === undefined ? { skip } : { skip, priority };
}
