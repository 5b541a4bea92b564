/**
 * The `latex` export: stage F's regenerated document when regeneration ran, else a document made
 * from stage B's text (prose escaped for LaTeX, inline math kept, displayed math as `\[...\]`, one
 * paragraph per line of the source), else an empty document that says why.
 */
import type { TextParseOutput } from '@mpp/schemas';
import { splitChunks } from '../alignment/text-chunks';
import type { ExportInputs } from './export-files';

const PROSE_ESCAPES: ReadonlyArray<[RegExp, string]> = [
  // Backslashes wait behind a placeholder so the braces of \textbackslash{} are not escaped.
  [/\\/g, '\u0000'],
  [/([{}%&#_$])/g, '\\$1'],
  [/\^/g, '\\^{}'],
  [/~/g, '\\textasciitilde{}'],
  [/\u0000/g, '\\textbackslash{}'],
  // Symbols OCR leaves in prose, written as the math they are.
  [/⊙/g, '$\\odot$'],
  [/∠/g, '$\\angle$'],
  [/△/g, '$\\triangle$'],
  [/°/g, '$^{\\circ}$'],
];

export function escapeLatexProse(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PROSE_ESCAPES) out = out.replace(pattern, replacement);
  return out;
}

function bodyFromText(text: TextParseOutput): string {
  const parts: string[] = [];
  for (const chunk of splitChunks(text.text)) {
    if (!chunk.inMath) {
      parts.push(escapeLatexProse(chunk.text).replace(/[ \t]*\n+[ \t]*/g, '\n\n'));
    } else if (chunk.display) {
      parts.push(`\n\\[\n${chunk.text.trim()}\n\\]\n`);
    } else {
      parts.push(`$${chunk.text.trim()}$`);
    }
  }
  return parts.join('').trim();
}

function preamble(body: string): string {
  const lines = ['\\documentclass{article}', '\\usepackage[utf8]{inputenc}', '\\usepackage{amsmath,amssymb}'];
  // Mathpix writes arcs as \overparen; yhmath's \wideparen draws the same.
  if (/\\(?:overparen|wideparen)\b/.test(body)) lines.push('\\usepackage{yhmath}', '\\providecommand{\\overparen}[1]{\\wideparen{#1}}');
  return lines.join('\n');
}

export function latexExport(inputs: ExportInputs): string {
  if (inputs.F?.latex_document && inputs.F.latex_document.trim().length > 0) return inputs.F.latex_document;
  const body = inputs.B && inputs.B.text.trim().length > 0 ? bodyFromText(inputs.B) : '% No text was recognised (text_parse was skipped or found none).';
  return `${preamble(body)}\n\\begin{document}\n\n${body}\n\n\\end{document}\n`;
}
