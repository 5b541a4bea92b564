/** What stage H reads, and how each export file is named and listed. */
import { EXPORT_CONTENT_TYPES, type ExportEntry, type ExportFormat, type StageInputs } from '@mpp/schemas';

export type ExportInputs = StageInputs<'H'>;

export function exportFilename(jobId: string, format: ExportFormat): string {
  return `${jobId}.${EXPORT_CONTENT_TYPES[format].extension}`;
}

export function exportEntry(jobId: string, format: ExportFormat, bytes: number): ExportEntry {
  return { format, content_type: EXPORT_CONTENT_TYPES[format].contentType, filename: exportFilename(jobId, format), bytes };
}
