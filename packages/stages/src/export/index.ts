/**
 * Stage H (`export`): writes each requested format through `ctx.putExport` and reports what was
 * written. `json` is the result document (listing every export written, itself included),
 * `latex` and `markdown` are built from the stage outputs. Formats this version cannot write yet
 * (html, svg, docx, yaml) are never dropped silently: they are listed in `skipped_formats` with
 * the reason.
 */
import { EXPORT_CONTENT_TYPES, type ExportEntry, type ExportFormat, type SkippedExport } from '@mpp/schemas';
import type { StageContext, StageFn } from '../context';
import { latexExport } from './latex-export';
import { markdownExport } from './markdown-export';
import { buildResultDocument, documentConfidence, exportFilename, type ResultInputs } from './result-document';

type TextWriter = (inputs: ResultInputs, confidence: number) => string;

/** Writers of the formats other than json (which needs the list of the others). */
const TEXT_WRITERS: Partial<Record<ExportFormat, TextWriter>> = {
  latex: (inputs) => latexExport(inputs),
  markdown: (inputs, confidence) => markdownExport(inputs, confidence),
};

export const WRITABLE_FORMATS: readonly ExportFormat[] = ['json', ...(Object.keys(TEXT_WRITERS) as ExportFormat[])];

function entry(ctx: StageContext, format: ExportFormat, bytes: number): ExportEntry {
  return { format, content_type: EXPORT_CONTENT_TYPES[format].contentType, filename: exportFilename(ctx.job.id, format), bytes };
}

/**
 * The json document lists its own size, which depends on how many digits that size has: serialise
 * until the size written equals the size listed (two or three rounds).
 */
function serialiseResultDocument(inputs: ResultInputs, ctx: StageContext, others: readonly ExportEntry[], order: readonly ExportFormat[]): Buffer {
  const completedAt = new Date().toISOString();
  let bytes = 0;
  for (let round = 0; round < 6; round++) {
    const entries = [...others, entry(ctx, 'json', bytes)].sort((a, b) => order.indexOf(a.format) - order.indexOf(b.format));
    const data = Buffer.from(`${JSON.stringify(buildResultDocument(inputs, ctx, { exports: entries, completedAt }), null, 2)}\n`, 'utf8');
    if (data.length === bytes) return data;
    bytes = data.length;
  }
  throw new ResultDocumentSizeError(bytes);
}

/** The json export's size never settled (a bug in serialisation, never a retryable condition). */
export class ResultDocumentSizeError extends Error {
  override readonly name = 'ResultDocumentSizeError';
  readonly code = 'result_document_size_unstable' as const;
  readonly retryable = false;
  constructor(readonly lastBytes: number) {
    super(`the json export's listed size did not settle (last ${lastBytes} bytes)`);
  }
}

export const exportStage: StageFn<'H'> = async (input, ctx) => {
  const started = performance.now();
  const requested = [...new Set(ctx.options.export_formats)];
  const confidence = documentConfidence(input);
  const written: ExportEntry[] = [];
  const skipped: SkippedExport[] = [];

  for (const format of requested) {
    if (format === 'json') continue;
    const writer = TEXT_WRITERS[format];
    if (!writer) {
      skipped.push({ format, reason: `the ${format} export is not implemented yet; available: ${WRITABLE_FORMATS.join(', ')}` });
      continue;
    }
    ctx.signal.throwIfAborted();
    const data = Buffer.from(writer(input, confidence), 'utf8');
    await ctx.putExport(format, data);
    written.push(entry(ctx, format, data.length));
  }
  if (requested.includes('json')) {
    ctx.signal.throwIfAborted();
    const data = serialiseResultDocument(input, ctx, written, requested);
    await ctx.putExport('json', data);
    written.push(entry(ctx, 'json', data.length));
  }
  if (skipped.length > 0) ctx.logger.warn({ skipped }, 'some requested export formats were not produced');

  const exports = written.sort((a, b) => requested.indexOf(a.format) - requested.indexOf(b.format));
  return {
    provider: 'builtin',
    confidence,
    duration_ms: Math.round(performance.now() - started),
    exports,
    ...(skipped.length > 0 ? { skipped_formats: skipped } : {}),
  };
};

export { buildResultDocument, documentConfidence, exportUrl, exportFilename, toResultExport, usageOf, ResultDocumentInvalidError } from './result-document';
export { latexExport, escapeLatexProse } from './latex-export';
export { markdownExport } from './markdown-export';
