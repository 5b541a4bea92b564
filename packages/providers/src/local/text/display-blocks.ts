/**
 * Finds formulas from the page's ink rather than from tesseract's lines: those that stand on
 * their own (a displayed equation, a fraction, a sum with limits: `displayCandidates`) and those
 * inside lines of prose (`inlineCandidates`). Tesseract reads a line at a time: it splits a
 * fraction into a numerator line and a denominator line, drops the bar, reads scripts as stray
 * characters and an integral sign as nothing, so its math runs never cover a 2-D formula whole.
 * Here the ink components are grouped into blocks (closer than about half a glyph height
 * vertically and one and a half horizontally); blocks without a sentence that sit closely above
 * or below each other are joined (the parts of one 2-D formula), and a block is a candidate
 * when nothing in it reads as a sentence or a diagram label. Each candidate also says how well
 * tesseract did on it (its words' confidence times the share of the block's ink they cover), so
 * the math recogniser's reading replaces tesseract's only where it beats it.
 */
import type { BBox } from '@mpp/schemas';
import type { OcrLine, OcrWord } from '../tesseract-engine';
import { unionBox, weightedConfidence } from './assemble';
import { centre, contains, isSentenceWord, type WordRole } from './layout';
import { splitPunctuation } from './math-tokens';

export interface DisplayCandidate {
  bbox: BBox;
  /** How well tesseract read the block: its words' mean confidence times the share of the block's ink they cover (0..1). */
  tesseractScore: number;
  /** Where the block's words are: `[line, word]` index pairs into the OCR lines. */
  words: Array<[number, number]>;
}

/** Components whose gap is below this many glyph heights, vertically, belong to one block. */
const BLOCK_GAP_Y = 0.45;
/** ... and horizontally (a formula spaces its symbols less: a thick space and the side bearings of a fraction or an integral are about one). */
const BLOCK_GAP_X = 1.5;
/** A block taller than this many glyph heights is not one formula (a figure, a table, a page of prose). */
const MAX_BLOCK_HEIGHT = 8;
/** Nor one with more components than this. */
const MAX_BLOCK_COMPONENTS = 150;
/** At most this many candidates of each kind (displayed, inline) are read per page (each reading costs tens of milliseconds). */
export const MAX_CANDIDATES = 24;
/** A block tesseract covers this well is left to it: no reading would gain enough to pay for itself. */
const TESSERACT_GOOD_ENOUGH = 0.9;

const overlaps = (a: BBox, b: BBox): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Groups ink components into blocks: connected when their boxes, grown by the gaps above, meet. */
export function inkBlocks(components: readonly BBox[], glyphHeight: number): Array<{ bbox: BBox; components: BBox[] }> {
  const gx = (BLOCK_GAP_X * glyphHeight) / 2;
  const gy = (BLOCK_GAP_Y * glyphHeight) / 2;
  const order = components.map((_, i) => i).sort((a, b) => components[a]!.y - components[b]!.y);
  const parent = components.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  // Sweep top to bottom: a component can only meet those that start above its grown bottom.
  for (let n = 0; n < order.length; n++) {
    const a = components[order[n]!]!;
    for (let m = n + 1; m < order.length; m++) {
      const b = components[order[m]!]!;
      if (b.y - gy > a.y + a.h + gy) break;
      const meetX = b.x - gx <= a.x + a.w + gx && a.x - gx <= b.x + b.w + gx;
      if (meetX) parent[find(order[m]!)] = find(order[n]!);
    }
  }
  const groups = new Map<number, BBox[]>();
  components.forEach((c, i) => {
    const root = find(i);
    const list = groups.get(root);
    if (list) list.push(c);
    else groups.set(root, [c]);
  });
  return [...groups.values()].map((list) => ({ bbox: unionBox(list), components: list }));
}

export interface DisplayLayout {
  glyphHeight: number;
  /** Glyph-sized ink components of the page (line art left out). */
  components: readonly BBox[];
  /** Line art: a tall narrow stroke (an integral sign, a big bracket) may be part of a formula; the rest are diagrams, and a block meeting one holds labels, not a formula. */
  lineArt: readonly BBox[];
  /** Regions known to be diagrams (stage C's hint). */
  excludeRegions: readonly BBox[];
}

/** Line art at most this many glyph heights wide (and `MAX_BLOCK_HEIGHT` tall) may be a symbol of a formula: an integral sign, a big bracket, a display sum. */
const STROKE_MAX_WIDTH = 4;
/**
 * A word counts toward a sentence only when tesseract is this sure of it: on a formula it reads
 * letters and symbols as word-like garbage (`Gij`, `wplsked`), which it is unsure of.
 */
const SENTENCE_WORD_CONFIDENCE = 0.6;
const isSureSentenceWord = (w: OcrWord): boolean => w.confidence >= SENTENCE_WORD_CONFIDENCE && isSentenceWord(w);
/** A block this many glyph heights from a diagram holds its labels (as in layout.ts). */
const DIAGRAM_MARGIN = 1.5;
/** Blocks without a sentence this close vertically (in glyph heights) are parts of one formula: a numerator and its bar, a sum and its limits. */
const PART_GAP_Y = 1.1;
/** ... or this close horizontally: the columns of a matrix (a quad apart). */
const PART_GAP_X = 2.5;

/**
 * The blocks worth reading with the math recogniser, top to bottom: no sentence in them, no
 * diagram label or diagram, the size of a formula, and read by tesseract less than well. Blocks
 * without a sentence that sit right above or below each other are joined first (a fraction's
 * numerator, bar and denominator; a big operator and its limits), never across a sentence.
 */
export function displayCandidates(lines: readonly OcrLine[], roles: readonly WordRole[][], layout: DisplayLayout): DisplayCandidate[] {
  const g = layout.glyphHeight;
  const strokes = layout.lineArt.filter((b) => b.w <= STROKE_MAX_WIDTH * g && b.h <= MAX_BLOCK_HEIGHT * g);
  const diagrams = layout.lineArt.filter((b) => !strokes.includes(b));
  const wordsIn = (box: BBox): Array<[number, number]> => {
    const found: Array<[number, number]> = [];
    lines.forEach((line, i) => line.words.forEach((w, k) => contains(box, centre(w.bbox), 0.2 * g) && found.push([i, k])));
    return found;
  };
  const readWords = (at: Array<[number, number]>): OcrWord[] => at.filter(([i, k]) => roles[i]![k] !== 'noise').map(([i, k]) => lines[i]!.words[k]!);

  // Blocks of ink, sorted into sentences (kept out), labels and diagrams (dropped) and the rest.
  const prose: BBox[] = [];
  const parts: Array<{ bbox: BBox; components: BBox[]; words: Array<[number, number]> }> = [];
  for (const block of inkBlocks([...layout.components, ...strokes], g)) {
    const words = wordsIn(block.bbox);
    if (readWords(words).filter(isSureSentenceWord).length >= 2) {
      prose.push(block.bbox);
      continue;
    }
    // Labels: beside a diagram or in a region known to be one (not beside a stroke of a formula,
    // which the word roles cannot tell from a diagram's), or far from the text column.
    if (words.some(([i, k]) => roles[i]![k] === 'outside_text_column')) continue;
    if (layout.excludeRegions.some((r) => overlaps(r, block.bbox))) continue;
    if (diagrams.some((art) => overlaps(grow(art, DIAGRAM_MARGIN * g), block.bbox))) continue;
    parts.push({ ...block, words });
  }

  // Parts stacked closely join, unless the joined box would take in a sentence.
  let merged = true;
  while (merged) {
    merged = false;
    outer: for (let a = 0; a < parts.length; a++) {
      for (let b = a + 1; b < parts.length; b++) {
        const A = parts[a]!.bbox;
        const B = parts[b]!.bbox;
        const gapY = Math.max(A.y, B.y) - Math.min(A.y + A.h, B.y + B.h);
        const gapX = Math.max(A.x, B.x) - Math.min(A.x + A.w, B.x + B.w);
        if (gapY > PART_GAP_Y * g || gapX > PART_GAP_X * g) continue;
        const box = unionBox([A, B]);
        if (prose.some((p) => overlaps(p, box))) continue;
        parts[a] = { bbox: box, components: [...parts[a]!.components, ...parts[b]!.components], words: [...parts[a]!.words, ...parts[b]!.words] };
        parts.splice(b, 1);
        merged = true;
        break outer;
      }
    }
  }

  const out: DisplayCandidate[] = [];
  for (const part of parts) {
    if (part.components.length < 2 || part.components.length > MAX_BLOCK_COMPONENTS) continue;
    if (part.bbox.h > MAX_BLOCK_HEIGHT * g || part.bbox.w < g) continue;
    const read = readWords(part.words);
    if (read.filter(isSureSentenceWord).length >= 2) continue; // words of a sentence, spaced widely
    const tesseractScore = coverage(part.components, read) * weightedConfidence(read);
    if (tesseractScore >= TESSERACT_GOOD_ENOUGH) continue;
    const words = [...part.words].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    out.push({ bbox: part.bbox, tesseractScore, words });
  }
  return out.sort((a, b) => a.bbox.y - b.bbox.y || a.bbox.x - b.bbox.x).slice(0, MAX_CANDIDATES);
}

const grow = (b: BBox, m: number): BBox => ({ x: b.x - m, y: b.y - m, w: b.w + 2 * m, h: b.h + 2 * m });

/** Ink this many glyph heights above or below a line of prose still belongs to it (a numerator, a denominator). */
const LINE_REACH = 0.6;
/** Ink of one inline formula is at most this many glyph heights apart horizontally (a binary operator and its spaces). */
const INLINE_GAP = 1.3;
/** Short words of a sentence, which are not variables or units: they end an inline formula. */
const SHORT_WORDS = new Set(['is', 'of', 'to', 'in', 'it', 'an', 'as', 'at', 'be', 'by', 'if', 'on', 'or', 'so', 'we', 'no', 'do', 'up', 'us', 'he', 'its', 'are', 'and', 'the', 'for']);
const isProseWord = (w: OcrWord): boolean => isSureSentenceWord(w) || (w.confidence >= SENTENCE_WORD_CONFIDENCE && SHORT_WORDS.has(splitPunctuation(w.text).core.toLowerCase()));

export interface InlineCandidate extends DisplayCandidate {
  /** The line (index into the OCR lines) the formula sits in. */
  line: number;
}

/**
 * Formulas inside lines of prose that tesseract did not read whole (an inline fraction comes back
 * as `+ +`): per line with a sentence in it, the ink around the line that no word of the
 * sentence covers is grouped into islands (components within `INLINE_GAP` glyph heights of each
 * other), and an island of two or more components that tesseract read less than well is a
 * candidate. Words tesseract is sure of (`it`, `12.`) are islands too, but read well, so they
 * are left to it.
 */
export function inlineCandidates(lines: readonly OcrLine[], roles: readonly WordRole[][], layout: DisplayLayout): InlineCandidate[] {
  const g = layout.glyphHeight;
  const out: InlineCandidate[] = [];
  const allWords = lines.flatMap((line, i) => line.words.map((w) => ({ w, i })));
  lines.forEach((line, i) => {
    if (line.words.filter((w, k) => roles[i]![k] === 'prose' && isSureSentenceWord(w)).length < 2) return;
    const sure = line.words.filter((w, k) => roles[i]![k] === 'prose' && isProseWord(w));
    const band = { x: line.bbox.x - g, y: line.bbox.y - LINE_REACH * g, w: line.bbox.w + 2 * g, h: line.bbox.h + 2 * LINE_REACH * g };
    const free = layout.components
      .filter((c) => contains(band, centre(c)))
      // Not a letter of the sentence, nor ink that another line's words hold.
      .filter((c) => !sure.some((w) => contains(w.bbox, centre(c))) && !allWords.some(({ w, i: j }) => j !== i && contains(w.bbox, centre(c))))
      .sort((a, b) => a.x - b.x);
    const islands: BBox[][] = [];
    for (const c of free) {
      const last = islands[islands.length - 1];
      const right = last ? Math.max(...last.map((b) => b.x + b.w)) : -Infinity;
      if (last && c.x - right <= INLINE_GAP * g) last.push(c);
      else islands.push([c]);
    }
    for (const island of islands) {
      if (island.length < 2) continue;
      const bbox = unionBox(island);
      if (bbox.h > MAX_BLOCK_HEIGHT * g) continue;
      const words: Array<[number, number]> = [];
      line.words.forEach((w, k) => contains(bbox, centre(w.bbox), 0.2 * g) && !sure.includes(w) && words.push([i, k]));
      if (words.some(([, k]) => roles[i]![k] !== 'prose' && roles[i]![k] !== 'noise')) continue; // a label
      const read = words.filter(([, k]) => roles[i]![k] !== 'noise').map(([, k]) => line.words[k]!);
      const tesseractScore = coverage(island, read) * weightedConfidence(read);
      if (tesseractScore >= TESSERACT_GOOD_ENOUGH) continue;
      out.push({ line: i, bbox, tesseractScore, words });
    }
  });
  return out.slice(0, MAX_CANDIDATES);
}

/** Share of the block's ink (component box areas) whose centre lies in one of the words' boxes. */
function coverage(components: readonly BBox[], words: readonly OcrWord[]): number {
  const total = components.reduce((s, c) => s + c.w * c.h, 0);
  if (total === 0) return 0;
  const covered = components.filter((c) => words.some((w) => contains(w.bbox, centre(c)))).reduce((s, c) => s + c.w * c.h, 0);
  return covered / total;
}
