/** `--format` names (with the short aliases people type) and the file extension each export gets. */
import type { ExportFormat } from '@mpp/client';

const ALIASES: Record<string, ExportFormat> = { md: 'markdown', markdown: 'markdown', tex: 'latex', latex: 'latex', json: 'json', html: 'html', svg: 'svg', docx: 'docx', yaml: 'yaml', yml: 'yaml' };

export const EXTENSIONS: Record<ExportFormat, string> = { json: 'json', markdown: 'md', latex: 'tex', html: 'html', svg: 'svg', docx: 'docx', yaml: 'yaml' };

export function parseFormats(list: string): ExportFormat[] {
  const formats: ExportFormat[] = [];
  for (const raw of list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const format = ALIASES[raw];
    if (!format) throw new Error(`unknown format "${raw}": use ${Object.keys(ALIASES).join(', ')}`);
    if (!formats.includes(format)) formats.push(format);
  }
  if (formats.length === 0) throw new Error('--format needs at least one format');
  return formats;
}
