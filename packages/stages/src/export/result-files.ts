/**
 * The `json` and `yaml` exports: the versioned result document (built by `@mpp/schemas`, as the
 * API builds `GET /v1/jobs/:id/result`), validated against its schema before it is written. Each
 * lists every export of the job with its size, its own included, and a file's size depends on
 * the digits of the sizes it lists: serialise until the sizes written equal the sizes listed
 * (two or three rounds).
 */
import { buildResultDocument, ResultDocument, type ExportEntry, type ExportFormat } from '@mpp/schemas';
import { stringify } from 'yaml';
import type { JobInfo } from '../context';
import { exportEntry, type ExportInputs } from './export-files';

export type DocumentFormat = Extract<ExportFormat, 'json' | 'yaml'>;
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['json', 'yaml'];

export class ResultDocumentInvalidError extends Error {
  override readonly name = 'ResultDocumentInvalidError';
  readonly code = 'result_document_invalid' as const;
  readonly retryable = false;
  constructor(readonly issues: readonly string[]) {
    super(`result document does not match its schema: ${issues.slice(0, 5).join('; ')}`);
  }
}

/** A document format's size never settled (a bug in serialisation, never a retryable condition). */
export class ResultDocumentSizeError extends Error {
  override readonly name = 'ResultDocumentSizeError';
  readonly code = 'result_document_size_unstable' as const;
  readonly retryable = false;
  constructor(readonly lastBytes: Partial<Record<DocumentFormat, number>>) {
    super(`the listed size of the result document exports did not settle (last ${JSON.stringify(lastBytes)})`);
  }
}

const SERIALISERS: Record<DocumentFormat, (doc: ResultDocument) => string> = {
  json: (doc) => `${JSON.stringify(doc, null, 2)}\n`,
  yaml: (doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }),
};

export function resultDocument(inputs: ExportInputs, job: JobInfo, exports: readonly ExportEntry[], completedAt: string): ResultDocument {
  const parsed = ResultDocument.safeParse(buildResultDocument(job, inputs, completedAt, { exports }));
  if (!parsed.success) throw new ResultDocumentInvalidError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return parsed.data;
}

/**
 * The requested document formats' files. `others` are the exports already written; `order` is
 * the order the client asked for, which the listed exports follow.
 */
export function resultFiles(inputs: ExportInputs, job: JobInfo, formats: readonly DocumentFormat[], others: readonly ExportEntry[], order: readonly ExportFormat[]): Map<DocumentFormat, Buffer> {
  const completedAt = new Date().toISOString();
  const sizes = new Map<DocumentFormat, number>(formats.map((f) => [f, 0]));
  for (let round = 0; round < 8; round++) {
    const entries = [...others, ...formats.map((f) => exportEntry(job.id, f, sizes.get(f) ?? 0))].sort((a, b) => order.indexOf(a.format) - order.indexOf(b.format));
    const doc = resultDocument(inputs, job, entries, completedAt);
    const files = new Map(formats.map((f) => [f, Buffer.from(SERIALISERS[f](doc), 'utf8')] as const));
    if (formats.every((f) => files.get(f)?.length === sizes.get(f))) return files;
    for (const f of formats) sizes.set(f, files.get(f)?.length ?? 0);
  }
  throw new ResultDocumentSizeError(Object.fromEntries(sizes));
}
