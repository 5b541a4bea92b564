/**
 * A StageContext for the stages after B and C (D-H): the job's options parsed as the API parses
 * them, the process settings at their documented defaults, and `putExport` recording each file
 * in a Map, as the store would keep it under the job.
 */
import { PipelineOptions, type ExportFormat, type PipelineOptionsInput } from '@mpp/schemas';
import type { StageContext } from '../../src/context';
import { memoryStageContext } from './memory-stage-context';

export interface DownstreamContext extends StageContext {
  exports: Map<ExportFormat, Buffer>;
}

export function downstreamContext(options: PipelineOptionsInput = {}, settings: Partial<StageContext['settings']> = {}): DownstreamContext {
  const base = memoryStageContext();
  const exports = new Map<ExportFormat, Buffer>();
  return {
    ...base,
    job: { id: 'job-11', created_at: '2025-01-02T03:04:05.000Z', metadata: { source: 'textbook/11' } },
    options: PipelineOptions.parse(options),
    settings: {
      ...base.settings,
      reviewThreshold: 0.7,
      alignment: { base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 },
      ...settings,
    },
    exports,
    async putExport(format, data) {
      exports.set(format, data);
    },
  };
}
