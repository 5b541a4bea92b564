/**
 * The `html` export: one self-contained page (no script, no external resource) with the text,
 * its formulas as inline MathJax SVG (the LaTeX kept in `data-latex` and as the accessible
 * label), the regenerated diagram as SVG, the problem summary and the review verdict. Prose is
 * escaped; SVG is only inlined when it comes from our renderers and carries nothing active.
 */
import { reviewVerdict, type ExportInputs } from './export-files';
import type { MathRenderer } from './math-renderer';
import { problemSummary, type Line } from './problem-summary';
import { textBlocks } from './text-blocks';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Scripts, foreign HTML, event handlers or javascript: links have no place in a drawing. */
export function isInertSvg(svg: string): boolean {
  return /^\s*<svg\b/.test(svg) && !/<script\b|<foreignObject\b|\son[a-z]+\s*=|javascript:|<iframe\b|<object\b|<embed\b/i.test(svg);
}

const STYLE = [
  'body{font-family:Georgia,"Times New Roman",serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#111}',
  '.display{text-align:center;margin:1rem 0}',
  'figure.diagram{text-align:center;margin:1.5rem 0}',
  'figure.diagram svg{max-width:100%;height:auto}',
  'code.latex{color:#a00}',
  '.review{border-left:4px solid #c60;padding:.5rem 1rem;background:#fff6ee}',
  'footer{color:#666;font-size:.85rem;margin-top:2rem}',
].join('\n');

async function mathHtml(latex: string, renderer: MathRenderer, display: boolean): Promise<string> {
  const rendered = await renderer.render(latex, display);
  const label = escapeHtml(latex);
  if (!rendered || !isInertSvg(rendered.svg)) return `<code class="latex" title="not rendered">${display ? '$$' : '$'}${label}${display ? '$$' : '$'}</code>`;
  const svg = rendered.svg.replace(/<svg\b/, `<svg aria-label="${label}"`);
  return display ? `<div class="math display" data-latex="${label}">${svg}</div>` : `<span class="math" data-latex="${label}">${svg}</span>`;
}

async function lineHtml(line: Line, renderer: MathRenderer): Promise<string> {
  const parts: string[] = [];
  for (const piece of line) {
    if (piece.math !== undefined) parts.push(await mathHtml(piece.math, renderer, false));
    else parts.push(piece.text === '\n' ? '<br>' : escapeHtml(piece.text));
  }
  return parts.join('');
}

export async function htmlExport(inputs: ExportInputs, jobId: string, confidence: number, renderer: MathRenderer): Promise<string> {
  const body: string[] = [];
  const text = inputs.B?.text.trim() ?? '';
  const blocks = textBlocks(text);
  if (blocks.length === 0) body.push('<p><em>No text was recognised.</em></p>');
  for (const block of blocks) {
    body.push(block.kind === 'display' ? await mathHtml(block.latex, renderer, true) : `<p>${await lineHtml(block.pieces, renderer)}</p>`);
  }
  const diagram = inputs.F?.diagram_svg;
  if (diagram && isInertSvg(diagram)) body.push(`<figure class="diagram">${diagram}<figcaption>Regenerated diagram</figcaption></figure>`);
  for (const section of inputs.E ? problemSummary(inputs.E) : []) {
    body.push(`<h2>${escapeHtml(section.title)}</h2>`, '<ul>');
    for (const line of section.lines) body.push(`<li>${await lineHtml(line, renderer)}</li>`);
    body.push('</ul>');
  }
  const review = inputs.G;
  if (review?.review_required) {
    body.push('<section class="review"><h2>Review</h2>', `<p>${escapeHtml(reviewVerdict(review, confidence))}</p>`, '<ul>');
    for (const r of review.reasons) body.push(`<li>${escapeHtml(r.stage)} <code>${escapeHtml(r.code)}</code>: ${escapeHtml(r.message)}</li>`);
    body.push('</ul></section>');
  }
  body.push(`<footer>Job ${escapeHtml(jobId)} &middot; confidence ${confidence.toFixed(2)}</footer>`);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`Job ${jobId}`)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
