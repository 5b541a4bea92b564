/** What the API shows of a job: the status view, links, and the result document. */
import { buildResultDocument, STAGE_IDS, type JobView, type ResultDocument, type StageOutputs } from '@mpp/schemas';
import { jobProgress, type JobRecord } from '@mpp/store';

export function jobLinks(id: string): JobView['links'] {
  const self = `/v1/jobs/${id}`;
  return { self, result: `${self}/result`, events: `${self}/events` };
}

export function toJobView(record: JobRecord): JobView {
  const exportFormats = Array.isArray(record.options.export_formats) ? (record.options.export_formats as string[]) : [];
  const links = jobLinks(record.id);
  return {
    id: record.id,
    status: record.status,
    created_at: record.created_at,
    updated_at: record.updated_at,
    finished_at: record.finished_at,
    progress: record.status === 'completed' ? 1 : jobProgress(record.stages),
    stages: Object.fromEntries(STAGE_IDS.map((s) => [s, record.stages[s]])) as JobView['stages'],
    error: record.error,
    metadata: record.metadata,
    options: record.options,
    confidence: record.confidence,
    links: record.status === 'completed' ? { ...links, exports: Object.fromEntries(exportFormats.map((f) => [f, `${links.self}/exports/${f}`])) } : links,
  };
}

export function assembleResult(record: JobRecord, outputs: Partial<StageOutputs>): ResultDocument {
  return buildResultDocument({ id: record.id, created_at: record.created_at, metadata: record.metadata }, outputs, record.finished_at ?? record.updated_at);
}
