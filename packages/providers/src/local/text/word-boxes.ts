/**
 * Word boxes fitted to the ink. Tesseract's LSTM word boxes are approximate: a slanted capital
 * can start a few pixels left of its word's box (the foot of an italic `A`), and a box can reach
 * into the line above. Each ink component goes to the word whose box it overlaps most; a word's
 * box becomes the union of its components when that union still covers most of the box tesseract
 * gave (so a word is never moved onto other ink). Formula crops (the recogniser, stage F's round
 * trip) and overlays then hold whole glyphs.
 */
import type { BBox } from '@mpp/schemas';
import type { OcrLine } from '../tesseract-engine';
import { unionBox } from './assemble';

const overlapArea = (a: BBox, b: BBox): number =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

/** The fitted box must cover at least this share of tesseract's box... */
const MIN_COVER = 0.5;
/** ... and be at most this many times its area. */
const MAX_GROWTH = 2.5;

export function fitWordsToInk(lines: readonly OcrLine[], glyphs: readonly BBox[]): OcrLine[] {
  const words = lines.flatMap((l, li) => l.words.map((w, wi) => ({ li, wi, box: w.bbox })));
  if (words.length === 0 || glyphs.length === 0) return [...lines];
  const heights = words.map((w) => w.box.h).sort((a, b) => a - b);
  const tallest = 3 * heights[heights.length >> 1]!;
  const assigned = new Map<string, BBox[]>();
  for (const g of glyphs) {
    if (g.h > tallest) continue;
    let best: (typeof words)[number] | undefined;
    let most = 0;
    for (const w of words) {
      const area = overlapArea(g, w.box);
      if (area > most) [best, most] = [w, area];
    }
    if (!best) continue;
    const key = `${best.li}:${best.wi}`;
    assigned.set(key, [...(assigned.get(key) ?? []), g]);
  }
  return lines.map((line, li) => {
    const fitted = line.words.map((w, wi) => {
      const parts = assigned.get(`${li}:${wi}`);
      if (!parts) return w;
      const box = unionBox(parts);
      const area = w.bbox.w * w.bbox.h;
      const fits = overlapArea(box, w.bbox) >= MIN_COVER * area && box.w * box.h <= MAX_GROWTH * area;
      return fits ? { ...w, bbox: box } : w;
    });
    return { ...line, bbox: unionBox([line.bbox, ...fitted.map((w) => w.bbox)]), words: fitted };
  });
}
