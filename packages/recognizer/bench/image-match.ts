/**
 * Image match: prediction and ground truth are both rendered with MathJax at one size, binarised,
 * cropped to their ink, blank columns removed (so spacing does not count, as in im2markup's
 * "exact match -ws"), and compared column by column. Two formulas that draw the same picture
 * match even when their LaTeX differs (`{\rm e}` vs `\mathrm{e}`, braces, `\to` vs `\rightarrow`).
 * A column may differ by at most COLUMN_TOLERANCE pixel (anti-aliasing of sub-pixel offsets),
 * and at most COLUMN_BUDGET columns may be inserted, deleted or differ.
 *
 * The tolerance was 2 pixels per column until it showed to be lax: a difference of 1-2 pixels in
 * every column of a small glyph was forgiven entirely, so `\dot` matched `\ddot`, `\Theta` matched
 * `\mathrm{O}`, `\sqrt[4]` matched `\sqrt[\cdot]`, and in long formulas `,` matched `.`. With 1
 * pixel those differ, while equivalent spellings still match (test/image-match.test.ts).
 */
import { rasterizeSvg, texToSvg } from '@mpp/recognizer';

const PX_PER_EM = 24;
const COLUMN_TOLERANCE = 1;
const COLUMN_BUDGET = 2;

/** Spacing commands change only blank columns; removing them keeps MathJax from choking on odd ones. */
export function stripSpacing(latex: string): string {
  return latex
    .replace(/\\(hspace|vspace|hskip|kern|mkern)\*?\s*\{[^}]*\}/g, ' ')
    .replace(/\\[,;:! ]/g, ' ')
    .replace(/~/g, ' ')
    .replace(/\\q?quad\b/g, ' ');
}

export interface Picture {
  width: number;
  height: number;
  /** Non-blank columns, each as a bit array (1 = ink) top to bottom. */
  columns: Uint8Array[];
}

export async function renderPicture(latex: string): Promise<Picture | undefined> {
  let rendered;
  try {
    rendered = texToSvg(stripSpacing(latex), true);
  } catch {
    return undefined;
  }
  const vb = rendered.viewBox;
  const width = Math.max(1, Math.ceil((vb.width / 1000) * PX_PER_EM) + 4);
  const height = Math.max(1, Math.ceil((vb.height / 1000) * PX_PER_EM) + 4);
  const svg = rendered.svg
    .replace(/<svg\b[^>]*>/, `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${vb.x - 2000 / PX_PER_EM} ${vb.y - 2000 / PX_PER_EM} ${vb.width + 4000 / PX_PER_EM} ${vb.height + 4000 / PX_PER_EM}">`)
    .replace(/currentColor/g, '#000');
  let img;
  try {
    img = await rasterizeSvg(svg);
  } catch {
    return undefined;
  }
  let y0 = img.height;
  let y1 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x]! >= 128) {
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (y1 < 0) return { width: 0, height: 0, columns: [] };
  const h = y1 - y0 + 1;
  const columns: Uint8Array[] = [];
  for (let x = 0; x < img.width; x++) {
    const col = new Uint8Array(h);
    let ink = 0;
    for (let y = 0; y < h; y++) {
      const v = img.data[(y0 + y) * img.width + x]! >= 128 ? 1 : 0;
      col[y] = v;
      ink += v;
    }
    if (ink > 0) columns.push(col);
  }
  return { width: columns.length, height: h, columns };
}

function columnsDiffer(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.max(a.length, b.length);
  let diff = 0;
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) diff++;
  return diff > COLUMN_TOLERANCE;
}

/** True when the two pictures are the same formula drawing (see module header). */
export function picturesMatch(a: Picture, b: Picture): boolean {
  if (Math.abs(a.height - b.height) > 1) return false;
  if (Math.abs(a.width - b.width) > COLUMN_BUDGET) return false;
  // Banded edit distance over columns: a wrong symbol costs several columns, over budget.
  const n = a.columns.length;
  const m = b.columns.length;
  const band = COLUMN_BUDGET + 1;
  const INF = 1e9;
  let prev = new Float64Array(m + 1).fill(INF);
  for (let j = 0; j <= Math.min(m, band); j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    const cur = new Float64Array(m + 1).fill(INF);
    if (i <= band) cur[0] = i;
    let rowMin = cur[0]!;
    for (let j = Math.max(1, i - band); j <= Math.min(m, i + band); j++) {
      const sub = prev[j - 1]! + (columnsDiffer(a.columns[i - 1]!, b.columns[j - 1]!) ? 1 : 0);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
      rowMin = Math.min(rowMin, cur[j]!);
    }
    if (rowMin > COLUMN_BUDGET) return false;
    prev = cur;
  }
  return prev[m]! <= COLUMN_BUDGET;
}

export async function imageMatch(pred: string, gold: string, goldPicture?: Picture): Promise<boolean> {
  const g = goldPicture ?? (await renderPicture(gold));
  if (!g) return false;
  const p = await renderPicture(pred);
  return p !== undefined && picturesMatch(p, g);
}
