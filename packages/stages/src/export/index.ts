/**
 * Stage H (`export`): writes each format in `options.export_formats`, and only those, through
 * `ctx.putExport`, and reports what it wrote. `json` and `yaml` are the versioned result document
 * (result-files.ts); `latex`, `markdown`, `html`, `svg` and `docx` are made from the stage
 * outputs, formulas drawn with MathJax (stage F's SVG when it has one).
 */
import { jobConfidence, type ExportEntry, type ExportFormat } from '@mpp/schemas';
import type { StageFn } from '../context';
import { docxExport } from './docx-export';
import { exportEntry, type ExportInputs } from './export-files';
import { htmlExport } from './html-export';
import { latexExport } from './latex-export';
import { markdownExport } from './markdown-export';
import { MathRenderer } from './math-renderer';
import { DOCUMENT_FORMATS, resultFiles, type DocumentFormat } from './result-files';
import { svgExport } from './svg-export';

interface WriterContext {
  inputs: ExportInputs;
  jobId: string;
  confidence: number;
  renderer: MathRenderer;
}

type FileWriter = (w: WriterContext) => Promise<Buffer>;
const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Every format but the result documents; a missing one does not compile. */
const FILE_WRITERS: Record<Exclude<ExportFormat, DocumentFormat>, FileWriter> = {
  latex: async ({ inputs }) => utf8(latexExport(inputs)),
  markdown: async ({ inputs, confidence }) => utf8(markdownExport(inputs, confidence)),
  html: async ({ inputs, jobId, confidence, renderer }) => utf8(await htmlExport(inputs, jobId, confidence, renderer)),
  svg: async ({ inputs, renderer }) => utf8(await svgExport(inputs, renderer)),
  docx: ({ inputs, jobId, confidence, renderer }) => docxExport(inputs, jobId, confidence, renderer),
};

const isDocumentFormat = (f: ExportFormat): f is DocumentFormat => (DOCUMENT_FORMATS as readonly ExportFormat[]).includes(f);

export const exportStage: StageFn<'H'> = async (input, ctx) => {
  const started = performance.now();
  const requested = [...new Set(ctx.options.export_formats)];
  const confidence = jobConfidence(input);
  const writer: WriterContext = { inputs: input, jobId: ctx.job.id, confidence, renderer: new MathRenderer(input.F) };
  const written: ExportEntry[] = [];

  for (const format of requested) {
    if (isDocumentFormat(format)) continue;
    ctx.signal.throwIfAborted();
    const data = await FILE_WRITERS[format](writer);
    await ctx.putExport(format, data);
    written.push(exportEntry(ctx.job.id, format, data.length));
  }
  const documents = requested.filter(isDocumentFormat);
  if (documents.length > 0) {
    ctx.signal.throwIfAborted();
    for (const [format, data] of resultFiles(input, ctx.job, documents, written, requested)) {
      await ctx.putExport(format, data);
      written.push(exportEntry(ctx.job.id, format, data.length));
    }
  }

  return {
    provider: 'builtin',
    confidence,
    duration_ms: Math.round(performance.now() - started),
    exports: written.sort((a, b) => requested.indexOf(a.format) - requested.indexOf(b.format)),
  };
};

export { exportFilename, exportEntry, type ExportInputs } from './export-files';
export { resultDocument, resultFiles, ResultDocumentInvalidError, ResultDocumentSizeError } from './result-files';
export { latexExport, escapeLatexProse } from './latex-export';
export { markdownExport } from './markdown-export';
export { htmlExport, escapeHtml } from './html-export';
export { svgExport } from './svg-export';
export { docxExport } from './docx-export';
