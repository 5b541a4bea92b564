/**
 * The `svg` export: the regenerated diagram when stage F drew one; otherwise the recognised text
 * as a page, prose as `<text>` and each formula as its nested MathJax SVG, one line of the source
 * per line of the page (no re-wrapping: the lines are the page's). Either way one standalone file.
 */
import { placeSvg } from '../regeneration/mathjax';
import type { ExportInputs } from './export-files';
import { escapeHtml as escapeXml, isInertSvg } from './html-export';
import type { MathRenderer } from './math-renderer';
import type { Piece } from './problem-summary';
import { textBlocks } from './text-blocks';

const FONT_PX = 16;
/** Advance of an average serif character at 16 px; prose width is estimated, formulas are measured. */
const CHAR_PX = 7.5;
const LINE_GAP = 10;
const MARGIN = 20;

type Item = { kind: 'text'; text: string; width: number } | { kind: 'math'; svg: string; width: number; height: number };

interface PlacedLine {
  items: Item[];
  height: number;
}

function splitLines(pieces: Piece[]): Piece[][] {
  const lines: Piece[][] = [[]];
  for (const p of pieces) {
    if (p.text === '\n') lines.push([]);
    else lines[lines.length - 1]!.push(p);
  }
  return lines.filter((l) => l.length > 0);
}

async function layoutLine(pieces: Piece[], renderer: MathRenderer, display: boolean): Promise<PlacedLine> {
  const items: Item[] = [];
  for (const p of pieces) {
    const rendered = p.math !== undefined ? await renderer.render(p.math, display) : undefined;
    if (rendered && isInertSvg(rendered.svg)) items.push({ kind: 'math', svg: rendered.svg, width: rendered.width, height: rendered.height });
    else {
      const text = p.math !== undefined ? `$${p.math}$` : (p.text ?? '');
      items.push({ kind: 'text', text, width: text.length * CHAR_PX });
    }
  }
  return { items, height: Math.max(FONT_PX * 1.25, ...items.map((i) => (i.kind === 'math' ? i.height : 0))) };
}

async function pageSvg(text: string, renderer: MathRenderer): Promise<string> {
  const lines: PlacedLine[] = [];
  for (const block of textBlocks(text)) {
    const groups = block.kind === 'display' ? [[{ math: block.latex }]] : splitLines(block.pieces);
    for (const pieces of groups) lines.push(await layoutLine(pieces, renderer, block.kind === 'display'));
  }
  const out: string[] = [];
  let y = MARGIN;
  let width = 0;
  for (const line of lines) {
    let x = MARGIN;
    const baseline = y + line.height * 0.75;
    for (const item of line.items) {
      if (item.kind === 'text') {
        out.push(`<text x="${x.toFixed(1)}" y="${baseline.toFixed(1)}" xml:space="preserve">${escapeXml(item.text)}</text>`);
      } else {
        out.push(placeSvg(item.svg, { x, y: y + (line.height - item.height) / 2, width: item.width, height: item.height }));
      }
      x += item.width;
    }
    width = Math.max(width, x);
    y += line.height + LINE_GAP;
  }
  const w = Math.ceil(Math.max(width, 2 * MARGIN) + MARGIN);
  const h = Math.ceil(Math.max(y - LINE_GAP, 2 * MARGIN) + MARGIN);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
    `<g font-family="Georgia, 'Times New Roman', serif" font-size="${FONT_PX}" fill="#000000">`,
    ...out,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

export async function svgExport(inputs: ExportInputs, renderer: MathRenderer): Promise<string> {
  const diagram = inputs.F?.diagram_svg;
  if (diagram && isInertSvg(diagram)) return diagram.endsWith('\n') ? diagram : `${diagram}\n`;
  return pageSvg(inputs.B?.text.trim() ?? '', renderer);
}
