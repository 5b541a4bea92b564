/**
 * Word boxes from OCR include the punctuation that follows a formula ("$AB = 30$," is read as the
 * word "30,"), so the source region of a formula often ends in a comma or full stop the LaTeX does
 * not contain. Left in, that mark is the worst-matching window of every reading, right or wrong,
 * and hides the difference between them. This finds such a mark: the last ink blob, narrow, short
 * and low (a comma or stop sits on or below the baseline), apart from the rest by a blank column,
 * or, where the glyph before it overhangs it (the bar of a `7` over the comma of "27,"), a blob
 * of its own at the right end; and returns the ink without it.
 */
import { blobBounds, blobFrom, inkBox, type InkBox, type InkMask } from './ink-mask';

/** A comma is about a third of the line's ink height; a subscript digit is half or more. */
const MAX_MARK_HEIGHT = 0.38;
const MAX_MARK_WIDTH = 0.35;
/** The mark's top lies in the lower part of the ink box. */
const MIN_MARK_TOP = 0.5;

function columnHasInk(mask: InkMask, x: number, box: InkBox): boolean {
  for (let y = box.y; y < box.y + box.h; y++) if (mask.data[y * mask.width + x]) return true;
  return false;
}

function rowsOfInk(mask: InkMask, from: number, to: number, box: InkBox): { top: number; bottom: number } {
  let top = Infinity;
  let bottom = -1;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = from; x <= to; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  return { top, bottom };
}

export function inkBoxWithoutTrailingPunctuation(mask: InkMask): InkBox | undefined {
  return withoutTrailingPunctuation(mask)?.box;
}

/** The mask without a trailing comma or stop, and its ink box; undefined when there is no ink. */
export function withoutTrailingPunctuation(mask: InkMask): { mask: InkMask; box: InkBox } | undefined {
  const box = inkBox(mask);
  if (!box) return undefined;
  // The comparison reads the mask inside the returned box only, so a mark outside it needs no erasing.
  const byColumn = columnSeparatedMark(mask, box);
  if (byColumn !== box) return { mask, box: byColumn };
  const data = overhungMark(mask, box);
  const kept = data ? inkBox({ ...mask, data }) : undefined;
  return data && kept ? { mask: { ...mask, data }, box: kept } : { mask, box };
}


/** Narrow and short enough for a comma or a stop, against the height of the ink. */
const markSized = (w: number, h: number, box: InkBox): boolean => w <= MAX_MARK_WIDTH * box.h && h <= MAX_MARK_HEIGHT * box.h;

const isMark = (w: number, h: number, top: number, box: InkBox): boolean => markSized(w, h, box) && top >= box.y + MIN_MARK_TOP * box.h;

/** An 8-connected blob of ink: its pixels and bounds. */
interface Blob {
  pixels: number[];
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function blobAt(mask: InkMask, start: number, seen: Uint8Array): Blob {
  const pixels = blobFrom(mask, start, seen);
  return { pixels, ...blobBounds(mask, pixels) };
}

/**
 * A mark with no blank column before it because the glyph before it reaches over its column (the
 * bar of a `7` beside the comma of "27,"), or that a descender makes look high in the box (`y.`):
 * a blob among the last columns that reaches the right end of the ink, is mark-sized, and sits in
 * the lower 60% of a full-height glyph beside it at least twice its size. A
 * small script under a fraction bar or tucked under its base is not one (the bar is no glyph, a
 * base in a fraction is not full height, and a script is more than half its base). Returns the
 * mask without the mark.
 */
function overhungMark(mask: InkMask, box: InkBox): Uint8Array | undefined {
  const w = mask.width;
  const right = box.x + box.w - 1;
  const from = Math.max(box.x, right - Math.ceil(MAX_MARK_WIDTH * box.h));
  const seen = new Uint8Array(mask.data.length);
  for (let x = right; x >= from; x--) {
    for (let y = box.y; y < box.y + box.h; y++) {
      const start = y * w + x;
      if (!mask.data[start] || seen[start]) continue;
      const mark = blobAt(mask, start, seen);
      const [mw, mh] = [mark.x1 - mark.x0 + 1, mark.y1 - mark.y0 + 1];
      if (mark.x1 < right - Math.ceil(0.15 * box.h) || mark.x0 <= box.x || !markSized(mw, mh, box)) continue;
      // The glyph beside or over it: the tallest blob with ink in the mark's columns or just left of them.
      const band = Math.max(box.x, mark.x0 - Math.ceil(0.15 * box.h));
      const others = new Uint8Array(mask.data.length);
      for (const i of mark.pixels) others[i] = 1;
      let glyph: Blob | undefined;
      for (let yy = box.y; yy <= mark.y1; yy++) {
        for (let xx = band; xx <= mark.x1; xx++) {
          const i = yy * w + xx;
          if (!mask.data[i] || others[i]) continue;
          const found = blobAt(mask, i, others);
          if (!glyph || found.y1 - found.y0 > glyph.y1 - glyph.y0) glyph = found;
        }
      }
      if (!glyph) continue;
      const gh = glyph.y1 - glyph.y0 + 1;
      // Low against that glyph, not the whole box: a descender (`y.`) makes the box taller than the line.
      const low = mark.y0 >= glyph.y0 + 0.4 * gh;
      if (gh < 0.6 * box.h || mh > 0.5 * gh || mw > 0.5 * gh || !low) continue;
      const data = new Uint8Array(mask.data);
      for (const i of mark.pixels) data[i] = 0;
      return data;
    }
  }
  return undefined;
}

/** The ink box without a trailing mark set apart by a blank column (or the whole box). */
function columnSeparatedMark(mask: InkMask, box: InkBox): InkBox {
  const right = box.x + box.w - 1;
  let gap = right;
  while (gap > box.x && columnHasInk(mask, gap, box)) gap--;
  if (gap <= box.x) return box; // no blank column: one connected run of ink
  let rest = gap;
  while (rest > box.x && !columnHasInk(mask, rest, box)) rest--;
  const markWidth = right - gap;
  const { top, bottom } = rowsOfInk(mask, gap + 1, right, box);
  const markHeight = bottom - top + 1;
  if (!isMark(markWidth, markHeight, top, box)) return box;
  const kept = inkBox({ ...mask, data: maskUpTo(mask, rest) });
  return kept ?? box;
}

/** The mask with every column right of `lastColumn` blanked. */
function maskUpTo(mask: InkMask, lastColumn: number): Uint8Array {
  const data = new Uint8Array(mask.data);
  for (let y = 0; y < mask.height; y++) data.fill(0, y * mask.width + lastColumn + 1, (y + 1) * mask.width);
  return data;
}
