/**
 * Assembles the result document from a job's stage outputs. Pure data mapping, shared by stage H
 * (which writes it as the `json` export) and the API (which serves `GET /v1/jobs/:id/result`).
 */
import type { StageOutputs } from './stages';
import { RESULT_SCHEMA_VERSION, type ResultDocument, type Usage } from './result';
import { combineJobConfidence, JOB_CONFIDENCE_WEIGHTS, type ConfidenceStage } from './job-confidence';
import type { ExportEntry } from './stages/export';

/** Where `GET /v1/jobs/:id/exports/:format` serves an export. */
export function exportUrl(jobId: string, format: string): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/exports/${format}`;
}

export interface ResultJobInfo {
  id: string;
  created_at: string;
  metadata: Record<string, unknown>;
}

/** Providers that cost nothing per call are not counted as API calls. */
const LOCAL_PROVIDERS = new Set(['local', 'sharp', 'builtin', 'mathjax', 'none']);

export function usageFromOutputs(outputs: Partial<StageOutputs>): Usage {
  const calls: Record<string, number> = {};
  let input_tokens = 0;
  let output_tokens = 0;
  let estimated_cost_usd = 0;
  for (const output of Object.values(outputs) as Array<{ provider?: string; usage?: Partial<Usage> } | undefined>) {
    if (!output?.provider) continue;
    // A stage that fell back to a local provider still spent the external calls it tried first.
    if (!output.usage && LOCAL_PROVIDERS.has(output.provider)) continue;
    if (output.usage?.calls) {
      for (const [name, n] of Object.entries(output.usage.calls)) calls[name] = (calls[name] ?? 0) + n;
    } else {
      calls[output.provider] = (calls[output.provider] ?? 0) + 1;
    }
    input_tokens += output.usage?.input_tokens ?? 0;
    output_tokens += output.usage?.output_tokens ?? 0;
    estimated_cost_usd += output.usage?.estimated_cost_usd ?? 0;
  }
  return { calls, input_tokens, output_tokens, estimated_cost_usd: Math.round(estimated_cost_usd * 1e6) / 1e6 };
}

/**
 * The job's confidence: stage G's verdict when it ran, else the same combination G makes of the
 * recognition stages that ran (job-confidence.ts), so every reader reports one number.
 */
export function jobConfidence(outputs: Partial<StageOutputs>): number {
  if (outputs.G) return outputs.G.job_confidence;
  const present: Partial<Record<ConfidenceStage, number>> = {};
  for (const stage of Object.keys(JOB_CONFIDENCE_WEIGHTS) as ConfidenceStage[]) {
    const c = outputs[stage]?.confidence;
    if (typeof c === 'number') present[stage] = c;
  }
  return combineJobConfidence(present);
}

/** What stage H knows before its own output exists: the export files it has written. */
export interface ResultDocumentExtras {
  exports?: readonly ExportEntry[];
}

export function buildResultDocument(
  job: ResultJobInfo,
  outputs: Partial<StageOutputs>,
  completedAt: string = new Date().toISOString(),
  extras: ResultDocumentExtras = {},
): ResultDocument {
  const timings: Record<string, number> = {};
  for (const [stage, output] of Object.entries(outputs) as Array<[string, { duration_ms?: number } | undefined]>) {
    if (typeof output?.duration_ms === 'number') timings[stage] = output.duration_ms;
  }
  return {
    schema_version: RESULT_SCHEMA_VERSION,
    id: job.id,
    status: 'completed',
    created_at: job.created_at,
    completed_at: completedAt,
    metadata: job.metadata,
    image: outputs.A ?? null,
    text: outputs.B ?? null,
    vision: outputs.C ?? null,
    alignment: outputs.D ?? null,
    graph: outputs.E ?? null,
    regeneration: outputs.F ?? null,
    review: outputs.G ?? null,
    exports: (extras.exports ?? outputs.H?.exports ?? []).map((e) => ({ ...e, url: exportUrl(job.id, e.format) })),
    confidence: jobConfidence(outputs),
    usage: usageFromOutputs(outputs),
    timings_ms: timings,
  };
}
