/**
 * The `markdown` export, Mathpix-Markdown style: the recognised text as B wrote it (`$...$`
 * inline, `$$...$$` displayed), then the problem summary (the figure's objects, the facts stated
 * about them, how they relate, what to find), then the review verdict when a person must look.
 * Sections without content are left out.
 */
import { reviewVerdict, type ExportInputs } from './export-files';
import { problemSummary, type Line } from './problem-summary';

const lineMarkdown = (line: Line) => line.map((p) => (p.math !== undefined ? `$${p.math}$` : p.text)).join('');

export function markdownExport(inputs: ExportInputs, confidence: number): string {
  const out: string[] = [];
  const text = inputs.B?.text.trim();
  out.push(text && text.length > 0 ? text : '_No text was recognised._', '');
  if (inputs.E) {
    for (const section of problemSummary(inputs.E)) out.push(`## ${section.title}`, '', ...section.lines.map((l) => `- ${lineMarkdown(l)}`), '');
  }
  const review = inputs.G;
  if (review?.review_required) {
    out.push('## Review', '', reviewVerdict(review, confidence), '');
    for (const r of review.reasons) out.push(`- ${r.stage} \`${r.code}\`: ${r.message}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
