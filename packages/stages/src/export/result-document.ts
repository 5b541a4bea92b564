/**
 * The versioned result document (`GET /v1/jobs/:id/result`, and the `json` export) from the stage
 * outputs of a job. Stage H writes it; the API may rebuild it from stored outputs with the same
 * function, so both always agree. Usage counts one call per stage output per provider; token and
 * cost figures are zero because local providers have none and external providers do not report
 * theirs through stage outputs yet.
 */
import {
  EXPORT_CONTENT_TYPES,
  RESULT_SCHEMA_VERSION,
  ResultDocument,
  STAGE_IDS,
  type ExportEntry,
  type StageInputs,
  type Usage,
} from '@mpp/schemas';
import type { JobInfo } from '../context';
import { combineStageConfidences, presentStageConfidences } from '../human-review/job-confidence';

export type ResultExport = ResultDocument['exports'][number];
export type ResultInputs = StageInputs<'H'>;

export class ResultDocumentInvalidError extends Error {
  override readonly name = 'ResultDocumentInvalidError';
  readonly code = 'result_document_invalid' as const;
  readonly retryable = false;
  constructor(readonly issues: readonly string[]) {
    super(`result document does not match its schema: ${issues.slice(0, 5).join('; ')}`);
  }
}

export function exportUrl(jobId: string, format: string): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/exports/${format}`;
}

export function exportFilename(jobId: string, format: ExportEntry['format']): string {
  return `${jobId}.${EXPORT_CONTENT_TYPES[format].extension}`;
}

/** A stage's export entry as the result document lists it, with its download URL. */
export function toResultExport(jobId: string, entry: ExportEntry): ResultExport {
  return { ...entry, url: exportUrl(jobId, entry.format) };
}

function presentOutputs(inputs: ResultInputs): Array<[string, { provider: string; duration_ms: number }]> {
  return STAGE_IDS.flatMap((id) => {
    const output = (inputs as Record<string, { provider: string; duration_ms: number } | undefined>)[id];
    return output ? [[id, output] as [string, { provider: string; duration_ms: number }]] : [];
  });
}

export function usageOf(inputs: ResultInputs): Usage {
  const calls: Record<string, number> = {};
  for (const [, output] of presentOutputs(inputs)) calls[output.provider] = (calls[output.provider] ?? 0) + 1;
  return { calls, input_tokens: 0, output_tokens: 0, estimated_cost_usd: 0 };
}

export function timingsOf(inputs: ResultInputs): Record<string, number> {
  const timings: Record<string, number> = {};
  let total = 0;
  for (const [id, output] of presentOutputs(inputs)) {
    timings[id] = output.duration_ms;
    total += output.duration_ms;
  }
  return { ...timings, total };
}

/** G's job confidence when review ran, else the same combination G would have made. */
export function documentConfidence(inputs: ResultInputs): number {
  return inputs.G?.job_confidence ?? combineStageConfidences(presentStageConfidences(inputs));
}

export interface ResultDocumentExtras {
  /** Export entries written for the job (stage H's), without URLs. */
  exports?: readonly ExportEntry[];
  /** Defaults to now. */
  completedAt?: string;
}

export function buildResultDocument(inputs: ResultInputs, ctx: { job: JobInfo }, extras: ResultDocumentExtras = {}): ResultDocument {
  const document = {
    schema_version: RESULT_SCHEMA_VERSION,
    id: ctx.job.id,
    status: 'completed' as const,
    created_at: ctx.job.created_at,
    completed_at: extras.completedAt ?? new Date().toISOString(),
    metadata: ctx.job.metadata,
    image: inputs.A ?? null,
    text: inputs.B ?? null,
    vision: inputs.C ?? null,
    alignment: inputs.D ?? null,
    graph: inputs.E ?? null,
    regeneration: inputs.F ?? null,
    review: inputs.G ?? null,
    exports: (extras.exports ?? []).map((e) => toResultExport(ctx.job.id, e)),
    confidence: documentConfidence(inputs),
    usage: usageOf(inputs),
    timings_ms: timingsOf(inputs),
  };
  const parsed = ResultDocument.safeParse(document);
  if (!parsed.success) throw new ResultDocumentInvalidError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}
