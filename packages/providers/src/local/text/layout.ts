/**
 * Decides, word by word, what OCR output is prose and what is not: diagram labels (inside a
 * region stage C reported, inside or right beside erased line art, or short words far from the
 * text column) and noise (symbol soup, line art read as letters). Labels are kept for the caller
 * to report; only noise is dropped.
 */
import type { BBox } from '@mpp/schemas';
import type { OcrLine, OcrWord } from '../tesseract-engine';
import { OPERATOR_LATEX, ODOT_MISREADS } from './math-lexicon';
import { FUNCTION_NAMES, splitPunctuation } from './math-tokens';

export type WordRole = 'prose' | 'diagram_region' | 'outside_text_column' | 'noise';

export interface PageLayout {
  /** Typical glyph height in pixels. */
  glyphHeight: number;
  /** Line art found in the image (diagram candidates). */
  lineArt: readonly BBox[];
  /** Regions known to be diagrams (stage C's hint); a word centred inside one is a label. */
  excludeRegions: readonly BBox[];
}

/** Labels sit next to the strokes they name: this many glyph heights around line art still count. */
const LINE_ART_MARGIN = 1.5;
/** A short word this many glyph heights left or right of the text column is a margin label. */
const COLUMN_MARGIN = 3;
/** Words of one label are at most this many glyph heights apart. */
export const LABEL_GAP = 1.5;
/** Words taller than this many glyph heights are strokes tesseract read as letters. */
const NOISE_HEIGHT_RATIO = 2.5;
/** ... unless tesseract is this sure of them (a real word whose box caught a nearby mark). */
const TALL_WORD_MIN_CONFIDENCE = 0.8;
/** Lines start at the column's left edge within this many glyph heights. */
const ANCHOR_TOLERANCE = 3;

export const centre = (b: BBox) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
/** Whether `p` lies in `region` grown by `margin` on every side. */
export const contains = (region: BBox, p: { x: number; y: number }, margin = 0): boolean =>
  p.x >= region.x - margin && p.x <= region.x + region.w + margin && p.y >= region.y - margin && p.y <= region.y + region.h + margin;

/** Ordinary lower-case words (`Find`, `each`, `tangent`): the mark of a sentence; function names (`sin`, `log`) are not. */
export const isSentenceWord = (w: OcrWord): boolean => {
  const core = splitPunctuation(w.text).core;
  return /^[A-Za-z][a-z]{2,}$/.test(core) && !FUNCTION_NAMES.has(core.toLowerCase());
};

/** At least two ordinary words: a sentence, never a label. */
const isProse = (words: readonly OcrWord[]): boolean => words.filter(isSentenceWord).length >= 2;
export const isProseLine = (line: OcrLine): boolean => isProse(line.words);

/** Exercise numbers (`12.`, `3B.`, `4)`) enumerate problems; diagrams do not number their labels so. */
const isEnumeration = (w: OcrWord): boolean => /^\(?\d+[A-Za-z]?[.)]$/.test(w.text.trim());

function isNoise(word: OcrWord, glyphHeight: number): boolean {
  const { core } = splitPunctuation(word.text);
  if (core === '') return word.text.trim() !== '' && !/^[.,;:!?]+$/.test(word.text.trim());
  // Taller than any glyph and unsure: a stroke read as letters (a circle comes back as `(7`).
  if (word.bbox.h > NOISE_HEIGHT_RATIO * glyphHeight && word.confidence < TALL_WORD_MIN_CONFIDENCE) return true;
  if (/[\p{L}\p{N}]/u.test(core) || OPERATOR_LATEX[core]) return false;
  // Symbol-only words: keep the ones that mean something (a lone ⊙ before a name), drop the rest.
  return ![...core].every((c) => ODOT_MISREADS.has(c));
}

/** Splits a line's word indices where the horizontal gap exceeds `gap`. */
function clusters(words: readonly OcrWord[], indices: readonly number[], gap: number): number[][] {
  const out: number[][] = [];
  indices.forEach((i, n) => {
    const prev = n > 0 ? words[indices[n - 1]!] : undefined;
    const w = words[i]!;
    if (!prev || w.bbox.x - (prev.bbox.x + prev.bbox.w) > gap) out.push([i]);
    else out[out.length - 1]!.push(i);
  });
  return out;
}

const allIndices = (line: OcrLine): number[] => line.words.map((_, i) => i);

/**
 * Horizontal extent of the text column. Its left edge is where the prose lines start; its right
 * edge is the furthest reach of the lines starting there, each counted up to its first wide gap
 * (tesseract joins a diagram's labels onto the text line beside them).
 */
function textColumn(lines: readonly OcrLine[], glyphHeight: number): { x0: number; x1: number } | undefined {
  const prose = lines.filter(isProseLine);
  if (prose.length === 0) return undefined;
  const left = Math.min(...prose.map((l) => l.bbox.x));
  const reach = lines
    .filter((l) => Math.abs(l.bbox.x - left) <= ANCHOR_TOLERANCE * glyphHeight)
    .map((l) => {
      const first = clusters(l.words, allIndices(l), COLUMN_MARGIN * glyphHeight)[0]!;
      const last = l.words[first[first.length - 1]!]!;
      return last.bbox.x + last.bbox.w;
    });
  return { x0: left, x1: Math.max(...reach) };
}

/** One role per word of each line, in the same shape as `lines`. */
export function assignWordRoles(lines: readonly OcrLine[], layout: PageLayout): WordRole[][] {
  const g = layout.glyphHeight;
  const proseLines = lines.filter(isProseLine);
  // Line art that frames prose (a box around the problem) is not a diagram.
  const diagrams = layout.lineArt.filter((region) => !proseLines.some((l) => contains(region, centre(l.bbox))));
  const column = textColumn(lines, g);

  return lines.map((line) => {
    const roles: WordRole[] = line.words.map((word) => {
      if (isNoise(word, g)) return 'noise';
      return layout.excludeRegions.some((r) => contains(r, centre(word.bbox))) ? 'diagram_region' : 'prose';
    });
    const inLineArt = (w: OcrWord): boolean => {
      const short = splitPunctuation(w.text).core.length <= 4;
      return diagrams.some((r) => contains(r, centre(w.bbox), short ? LINE_ART_MARGIN * g : 0));
    };
    for (const part of clusters(line.words, allIndices(line), COLUMN_MARGIN * g)) {
      const words = part.map((i) => line.words[i]!);
      if (isProse(words)) continue;
      // A label is read as several words (`8y`, `—`, `36`): when part of a tight group is in a
      // diagram, the whole group is.
      for (const group of clusters(line.words, part, LABEL_GAP * g)) {
        if (group.some((i) => roles[i] === 'prose' && inLineArt(line.words[i]!))) {
          for (const i of group) if (roles[i] === 'prose') roles[i] = 'diagram_region';
        }
      }
      if (!column) continue;
      const labelLike = words.length <= 2 && words.every((w) => splitPunctuation(w.text).core.length <= 2 && !isEnumeration(w));
      const x0 = Math.min(...words.map((w) => w.bbox.x));
      const x1 = Math.max(...words.map((w) => w.bbox.x + w.bbox.w));
      const far = x0 > column.x1 + COLUMN_MARGIN * g || x1 < column.x0 - COLUMN_MARGIN * g;
      if (labelLike && far) for (const i of part) if (roles[i] === 'prose') roles[i] = 'outside_text_column';
    }
    return roles;
  });
}
