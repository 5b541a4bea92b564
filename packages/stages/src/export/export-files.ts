/** What stage H reads, and how each export file is named and listed. */
import { EXPORT_CONTENT_TYPES, type ExportEntry, type ExportFormat, type StageInputs } from '@mpp/schemas';

export type ExportInputs = StageInputs<'H'>;

export function exportFilename(jobId: string, format: ExportFormat): string {
  return `${jobId}.${EXPORT_CONTENT_TYPES[format].extension}`;
}

export function exportEntry(jobId: string, format: ExportFormat, bytes: number): ExportEntry {
  return { format, content_type: EXPORT_CONTENT_TYPES[format].contentType, filename: exportFilename(jobId, format), bytes };
}

/**
 * The line that opens an export's review section: why stage G sent the job to a person (its
 * confidence under the threshold, a failed round trip, or both).
 */
export function reviewVerdict(review: NonNullable<ExportInputs['G']>, confidence: number): string {
  const why: string[] = [];
  if (confidence < review.threshold) why.push(`confidence ${confidence.toFixed(2)} is below ${review.threshold}`);
  const failed = review.reasons.filter((r) => r.code === 'roundtrip_mismatch').length;
  if (failed > 0) why.push(`${failed} round trip${failed === 1 ? '' : 's'} failed (confidence ${confidence.toFixed(2)})`);
  return `Needs review: ${why.join('; ') || `confidence ${confidence.toFixed(2)}`}.`;
}
