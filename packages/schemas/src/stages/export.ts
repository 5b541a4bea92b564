/** Stage H output: which export files were written (the files themselves live in the store). */
import { z } from 'zod';
import { StageMeta } from '../common';
import { ExportFormat } from '../options';

export const ExportEntry = z.object({
  format: ExportFormat,
  content_type: z.string(),
  filename: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type ExportEntry = z.infer<typeof ExportEntry>;

/** A requested format this version cannot write yet; listed so it is never silently dropped. */
export const SkippedExport = z.object({
  format: ExportFormat,
  reason: z.string(),
});
export type SkippedExport = z.infer<typeof SkippedExport>;

export const ExportOutput = StageMeta.extend({
  exports: z.array(ExportEntry),
  skipped_formats: z.array(SkippedExport).optional(),
});
export type ExportOutput = z.infer<typeof ExportOutput>;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, { contentType: string; extension: string }> = {
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  latex: { contentType: 'application/x-tex; charset=utf-8', extension: 'tex' },
  markdown: { contentType: 'text/markdown; charset=utf-8', extension: 'md' },
  html: { contentType: 'text/html; charset=utf-8', extension: 'html' },
  svg: { contentType: 'image/svg+xml', extension: 'svg' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extension: 'docx' },
  yaml: { contentType: 'application/yaml; charset=utf-8', extension: 'yaml' },
};
