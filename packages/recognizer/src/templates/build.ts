/**
 * Builds the template set at run time from MathJax's TeX fonts: every vocabulary symbol is
 * typeset once, then drawn at each scale and sub-pixel offset into one large SVG sheet per
 * (scale, offset), which sharp rasterises in a single call. Each sheet cell is binarised and cut
 * exactly as an observed symbol is, so templates and observations share every quirk.
 *
 * Printed ink is heavier than MathJax's outlines: a stroke of STROKE_UNITS (1/1000 em) around
 * each outline matches the arXiv scans (see docs/RECOGNIZER-NOTES.md).
 */
import { binarize, connectedComponents, unionBox } from '../image/components';
import { rasterizeSvg } from '../image/ink-image';
import { cropSymbol, inkFill } from '../classify/crop';
import { FEATURE_LENGTH, shapeFeatures } from '../classify/features';
import { texToSvg, type TexSvg } from '../render/mathjax';
import type { TemplateMeta, TemplateSet } from './template-set';
import { vocabulary, type SymbolSpec } from './vocabulary';

/** Pixels per em of the template renderings: script sizes of small scans up to large crops. */
export const TEMPLATE_SCALES = [7.5, 9.5, 12, 15, 18.5, 23, 28.5, 35];
export const TEMPLATE_OFFSETS: Array<[number, number]> = [
  [0, 0],
  [0.5, 0.5],
];
export const STROKE_UNITS = 20;
/** Ink darkness above which a template pixel counts as ink (scans binarise near here too). */
export const TEMPLATE_THRESHOLD = 100;

const SHEET_WIDTH = 2400;
const PAD_EM = 0.7;

interface Cell {
  spec: number;
  x: number;
  y: number;
  w: number;
  h: number;
  baselineY: number;
}

interface Layout {
  cells: Cell[];
  width: number;
  height: number;
  body: string;
}

function layoutSheet(rendered: TexSvg[], pxPerEm: number, offset: [number, number]): Layout {
  const cells: Cell[] = [];
  const parts: string[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const pad = Math.ceil(PAD_EM * pxPerEm);
  rendered.forEach((r, spec) => {
    const w = Math.ceil((r.viewBox.width / 1000) * pxPerEm) + 2 * pad;
    const h = Math.ceil((r.viewBox.height / 1000) * pxPerEm) + 2 * pad;
    if (x + w > SHEET_WIDTH && x > 0) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const originX = x + pad + offset[0];
    const originY = y + pad + offset[1];
    const baselineY = originY + (-r.viewBox.y / 1000) * pxPerEm;
    parts.push(placeNested(r, originX, originY, pxPerEm));
    cells.push({ spec, x, y, w, h, baselineY });
    x += w;
    rowHeight = Math.max(rowHeight, h);
  });
  return { cells, width: SHEET_WIDTH, height: y + rowHeight, body: parts.join('') };
}

function placeNested(r: TexSvg, x: number, y: number, pxPerEm: number): string {
  const vb = r.viewBox;
  const w = (vb.width / 1000) * pxPerEm;
  const h = (vb.height / 1000) * pxPerEm;
  return r.svg
    .replace(/<svg\b[^>]*>/, `<svg x="${x.toFixed(3)}" y="${y.toFixed(3)}" width="${w.toFixed(3)}" height="${h.toFixed(3)}" viewBox="${vb.x} ${vb.y} ${vb.width} ${vb.height}" overflow="visible">`)
    .replace('stroke-width="0"', `stroke-width="${STROKE_UNITS}"`)
    .replace(/currentColor/g, '#000');
}

async function sheetTemplates(specs: SymbolSpec[], rendered: TexSvg[], pxPerEm: number, offset: [number, number], metas: TemplateMeta[], features: Float32Array[]): Promise<void> {
  const layout = layoutSheet(rendered, pxPerEm, offset);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}"><rect width="100%" height="100%" fill="#fff"/>${layout.body}</svg>`;
  const img = await rasterizeSvg(svg);
  const map = connectedComponents(binarize(img, TEMPLATE_THRESHOLD), img.width, img.height);
  const byCell = new Map<number, number[]>();
  // A component belongs to the cell holding its centre; cells are padded so glyphs never share.
  const rowStarts = layout.cells.map((c) => c.y);
  for (const comp of map.components) {
    const cx = comp.x + comp.w / 2;
    const cy = comp.y + comp.h / 2;
    const index = findCell(layout.cells, rowStarts, cx, cy);
    if (index < 0) continue;
    const list = byCell.get(index) ?? [];
    list.push(comp.id);
    byCell.set(index, list);
  }
  layout.cells.forEach((cell, index) => {
    const ids = byCell.get(index);
    if (!ids) return;
    const spec = specs[cell.spec]!;
    const box = unionBox(ids.map((id) => map.components[id]!));
    const crop = cropSymbol(img, map, ids, box);
    metas.push({
      label: spec.label,
      kind: spec.kind,
      display: spec.display === true,
      pxPerEm,
      w: box.w,
      h: box.h,
      top: (cell.baselineY - box.y) / pxPerEm,
      bottom: (cell.baselineY - (box.y + box.h)) / pxPerEm,
      parts: ids.length,
      fill: inkFill(crop),
    });
    features.push(shapeFeatures(crop));
  });
}

function findCell(cells: Cell[], rowStarts: number[], cx: number, cy: number): number {
  // Cells are in row-major order; a linear scan over ~1000 cells per component is cheap enough.
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (cx >= c.x && cx < c.x + c.w && cy >= c.y && cy < c.y + c.h) return i;
    if (rowStarts[i]! > cy) break;
  }
  return -1;
}

export async function buildTemplates(onProgress?: (done: number, total: number) => void): Promise<TemplateSet> {
  const specs = vocabulary();
  const rendered = specs.map((s) => texToSvg(s.tex, s.display === true));
  const metas: TemplateMeta[] = [];
  const features: Float32Array[] = [];
  const total = TEMPLATE_SCALES.length * TEMPLATE_OFFSETS.length;
  let done = 0;
  for (const scale of TEMPLATE_SCALES) {
    for (const offset of TEMPLATE_OFFSETS) {
      await sheetTemplates(specs, rendered, scale, offset, metas, features);
      onProgress?.(++done, total);
    }
  }
  const all = new Float32Array(features.length * FEATURE_LENGTH);
  features.forEach((f, i) => all.set(f, i * FEATURE_LENGTH));
  return { metas, features: all };
}
