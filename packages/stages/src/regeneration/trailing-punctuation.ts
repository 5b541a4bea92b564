/**
 * Word boxes from OCR include the punctuation that follows a formula ("$AB = 30$," is read as the
 * word "30,"), so the source region of a formula often ends in a comma or full stop the LaTeX does
 * not contain. Left in, that mark is the worst-matching window of every reading, right or wrong,
 * and hides the difference between them. This finds such a mark: the last ink blob, apart from
 * the rest by a blank column, narrow, short and low (a comma or stop sits on or below the
 * baseline), and returns the ink box without it.
 */
import { inkBox, type InkBox, type InkMask } from './ink-mask';

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
  const box = inkBox(mask);
  if (!box) return undefined;
  const right = box.x + box.w - 1;
  let gap = right;
  while (gap > box.x && columnHasInk(mask, gap, box)) gap--;
  if (gap <= box.x) return box; // no blank column: one connected run of ink
  let rest = gap;
  while (rest > box.x && !columnHasInk(mask, rest, box)) rest--;
  const markWidth = right - gap;
  const { top, bottom } = rowsOfInk(mask, gap + 1, right, box);
  const markHeight = bottom - top + 1;
  const isMark = markWidth <= MAX_MARK_WIDTH * box.h && markHeight <= MAX_MARK_HEIGHT * box.h && top >= box.y + MIN_MARK_TOP * box.h;
  if (!isMark) return box;
  const kept = inkBox({ ...mask, data: maskUpTo(mask, rest) });
  return kept ?? box;
}

/** The mask with every column right of `lastColumn` blanked. */
function maskUpTo(mask: InkMask, lastColumn: number): Uint8Array {
  const data = new Uint8Array(mask.data);
  for (let y = 0; y < mask.height; y++) data.fill(0, y * mask.width + lastColumn + 1, (y + 1) * mask.width);
  return data;
}
