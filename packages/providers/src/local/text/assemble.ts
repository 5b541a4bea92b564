/**
 * Builds stage B's answer from OCR lines and their word roles: Markdown text (one line per OCR
 * line, a blank line between paragraphs, math as `$...$`, a lone equation as `$$...$$`), the
 * lines with boxes, the formulas, the diagram labels set apart, and one confidence.
 */
import type { BBox, Formula, TextLabel, TextLine, TextWord } from '@mpp/schemas';
import type { OcrLine, OcrWord } from '../tesseract-engine';
import { centre, contains, LABEL_GAP, type WordRole } from './layout';
import { segmentLine } from './math-runs';
import { splitGluedWord, splitPunctuation } from './math-tokens';

export interface AssembledText {
  text: string;
  lines: TextLine[];
  formulas: Formula[];
  labels: TextLabel[];
  confidence: number;
  /** Words dropped as noise (kept for the bounded raw payload). */
  noise: OcrWord[];
}

/** An arc or bar over capitals makes the word this much taller than plain capitals. */
const ACCENT_HEIGHT_RATIO = 1.3;

const weight = (w: OcrWord): number => Math.max(1, splitPunctuation(w.text).core.length);

/** Mean confidence weighted by word length, so a long well-read word counts more than a stray mark. */
export function weightedConfidence(words: readonly OcrWord[]): number {
  const total = words.reduce((s, w) => s + weight(w), 0);
  if (total === 0) return 0;
  const value = words.reduce((s, w) => s + weight(w) * w.confidence, 0) / total;
  return Math.min(1, Math.max(0, value));
}

export function unionBox(boxes: readonly BBox[]): BBox {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.w));
  const y1 = Math.max(...boxes.map((b) => b.y + b.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Height of plain capitals and digits on the page, the reference for spotting accents. */
function capitalHeight(words: readonly OcrWord[], fallback: number): number {
  const plain = words.filter((w) => /^[A-Z0-9]+$/.test(splitPunctuation(w.text).core)).map((w) => w.bbox.h);
  return median(plain) ?? fallback;
}

const hasAccent = (w: OcrWord, capHeight: number): boolean =>
  /^m?[A-Z]{1,3}$/.test(splitPunctuation(w.text).core) && w.bbox.h > ACCENT_HEIGHT_RATIO * capHeight;

/**
 * The columns of ink inside a word's box: glyph boxes that sit in it, merged where they overlap
 * side by side (the dot of an `i`, the bars of `=`), left to right.
 */
function inkColumns(word: OcrWord, glyphs: readonly BBox[]): Array<{ x0: number; x1: number }> {
  const b = word.bbox;
  const inside = glyphs
    .filter((g) => {
      const cx = g.x + g.w / 2;
      const overlapY = Math.min(g.y + g.h, b.y + b.h) - Math.max(g.y, b.y);
      return cx >= b.x && cx <= b.x + b.w && overlapY >= 0.5 * Math.min(g.h, b.h);
    })
    .sort((p, q) => p.x - q.x);
  const columns: Array<{ x0: number; x1: number }> = [];
  for (const g of inside) {
    const last = columns.at(-1);
    if (last && g.x < last.x1) last.x1 = Math.max(last.x1, g.x + g.w);
    else columns.push({ x0: g.x, x1: g.x + g.w });
  }
  return columns;
}

/**
 * Splits a glued OCR word (see splitGluedWord). Its box is shared out by the ink: when the word's
 * box holds one column of ink per character, each part gets the columns of its characters (so
 * `IfAD` gives `AD` the box of its own A and D, however narrow `If` is); otherwise by character count.
 */
function splitWordBox(word: OcrWord, glyphs: readonly BBox[] = []): OcrWord[] {
  const parts = splitGluedWord(word.text);
  if (parts.length <= 1) return [word];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const columns = glyphs.length ? inkColumns(word, glyphs) : [];
  let offset = 0;
  return parts.map((text) => {
    const from = offset;
    offset += text.length;
    if (columns.length === total) {
      const x0 = columns[from]!.x0;
      const x1 = columns[offset - 1]!.x1;
      return { text, confidence: word.confidence, bbox: { x: x0, y: word.bbox.y, w: x1 - x0, h: word.bbox.h } };
    }
    const x = word.bbox.x + (word.bbox.w * from) / total;
    const x1 = word.bbox.x + (word.bbox.w * offset) / total;
    return { text, confidence: word.confidence, bbox: { x: Math.round(x), y: word.bbox.y, w: Math.round(x1) - Math.round(x), h: word.bbox.h } };
  });
}

const toWord = (w: OcrWord): TextWord => ({ text: w.text, bbox: w.bbox, confidence: w.confidence });

/** A formula's LaTeX and confidence from another reader (the math recogniser), by formula index. */
export type FormulaOverrides = ReadonlyMap<number, { latex: string; confidence: number }>;

/** A formula read from a block of ink on its own (display-blocks.ts): it becomes a `$$...$$` paragraph of its own. */
export interface DisplayFormula {
  bbox: BBox;
  latex: string;
  confidence: number;
}

/** A formula read from ink inside a line of prose (display-blocks.ts): it takes the place of that line's words in its box. */
export interface InlineFormula extends DisplayFormula {
  /** Index of its line in the lines given to `assembleText`. */
  line: number;
  /** Punctuation of the prose right after it that its box took in (`,`), written after the `$...$`. */
  after?: string;
}

/** A formula read from the ink, weighed like a word by its length (one symbol is one or a few characters of LaTeX). */
const asWord = (f: DisplayFormula): OcrWord => ({ text: f.latex.replace(/\s+/g, ''), bbox: f.bbox, confidence: f.confidence });

/**
 * `overrides` replaces the LaTeX of formulas by their index in a previous call's `formulas` (the
 * same lines and roles give the same formulas in the same order): the Markdown gets the new
 * `$...$` in place of the old one, the formula its new LaTeX and confidence.
 */
/**
 * `glyphs`: boxes of the image's glyph-sized ink components (preprocess.ts), used to place the
 * parts of glued words; without them those are placed by character count. `displays` are put in
 * reading order before the first line that starts below their middle; the lines must no longer
 * hold their words.
 */
export function assembleText(lines: readonly OcrLine[], roles: readonly WordRole[][], glyphHeight: number, overrides: FormulaOverrides = new Map(), glyphs: readonly BBox[] = [], displays: readonly DisplayFormula[] = [], inline: readonly InlineFormula[] = []): AssembledText {
  const proseWords = lines.flatMap((l, i) => l.words.filter((_, k) => roles[i]![k] === 'prose'));
  const capHeight = capitalHeight(proseWords, glyphHeight);
  const outLines: TextLine[] = [];
  const formulas: Formula[] = [];
  const labels: TextLabel[] = [];
  const noise: OcrWord[] = [];
  const paragraphs: { id: number; lines: { markdown: string; displayLatex?: string; formula?: number }[] }[] = [];
  const pending = [...displays].sort((a, b) => a.bbox.y - b.bbox.y);
  let displayId = -1;
  const emitDisplays = (before: number): void => {
    while (pending.length > 0 && pending[0]!.bbox.y + pending[0]!.bbox.h / 2 < before) {
      const d = pending.shift()!;
      formulas.push({ latex: d.latex, display: true, bbox: d.bbox, confidence: d.confidence });
      outLines.push({ text: `$$${d.latex}$$`, bbox: d.bbox, confidence: d.confidence, type: 'math', words: [] });
      paragraphs.push({ id: displayId--, lines: [{ markdown: `$$${d.latex}$$`, displayLatex: d.latex, formula: formulas.length - 1 }] });
    }
  };

  lines.forEach((line, i) => {
    emitDisplays(line.bbox.y);
    const lineRoles = roles[i]!;
    line.words.forEach((w, k) => { if (lineRoles[k] === 'noise') noise.push(w); });
    collectLabels(line.words, lineRoles, glyphHeight, labels);

    const islands = inline.filter((f) => f.line === i).sort((a, b) => a.bbox.x - b.bbox.x);
    const words = line.words
      .filter((_, k) => lineRoles[k] === 'prose')
      .flatMap((w) => splitWordBox(w, glyphs))
      .filter((w) => !islands.some((f) => contains(f.bbox, centre(w.bbox))));
    if (words.length === 0 && islands.length === 0) return;

    // Math runs of some words, their formulas pushed in order (a reading given in `overrides` in
    // place of tesseract's): the line's Markdown, or a piece of it between inline formulas.
    const emitWords = (part: readonly OcrWord[]) => {
      const segmented = segmentLine(part.map((w) => w.text), part.map((w) => hasAccent(w, capHeight)));
      let markdown = segmented.markdown;
      let cursor = 0;
      for (const run of segmented.runs) {
        const runWords = run.words.map((k) => part[k]!);
        const needle = `$${run.latex}$`;
        const at = markdown.indexOf(needle, cursor);
        const override = overrides.get(formulas.length);
        if (override && at >= 0) {
          const replacement = `$${override.latex}$`;
          markdown = markdown.slice(0, at) + replacement + markdown.slice(at + needle.length);
          cursor = at + replacement.length;
          formulas.push({ latex: override.latex, display: false, bbox: unionBox(runWords.map((w) => w.bbox)), confidence: override.confidence });
        } else {
          if (at >= 0) cursor = at + needle.length;
          formulas.push({ latex: run.latex, display: false, bbox: unionBox(runWords.map((w) => w.bbox)), confidence: weightedConfidence(runWords) });
        }
      }
      return { markdown, segmented };
    };

    const firstFormula = formulas.length;
    let markdown: string;
    let type: TextLine['type'];
    let equationOnly = false;
    if (islands.length === 0) {
      const emitted = emitWords(words);
      markdown = emitted.markdown;
      type = emitted.segmented.type;
      equationOnly = emitted.segmented.equationOnly;
    } else {
      // The words before each inline formula, the formula, and so on to the words after the last.
      const pieces: string[] = [];
      let rest = words;
      for (const island of [...islands, undefined]) {
        const part = island ? rest.filter((w) => centre(w.bbox).x < centre(island.bbox).x) : rest;
        rest = rest.filter((w) => !part.includes(w));
        if (part.length > 0) pieces.push(emitWords(part).markdown);
        if (island) {
          formulas.push({ latex: island.latex, display: false, bbox: island.bbox, confidence: island.confidence });
          pieces.push(`$${island.latex}$${island.after ?? ''}`);
        }
      }
      markdown = pieces.reduce((out, piece) => (out === '' ? piece : /^[,.;:!?)]/.test(piece) ? out + piece : `${out} ${piece}`), '');
      type = words.length === 0 ? 'math' : 'mixed';
    }
    outLines.push({
      text: markdown,
      bbox: unionBox([...words.map((w) => w.bbox), ...islands.map((f) => f.bbox)]),
      confidence: weightedConfidence([...words, ...islands.map(asWord)]),
      type,
      words: words.map(toWord),
    });
    const id = line.paragraph ?? i;
    let paragraph = paragraphs[paragraphs.length - 1];
    if (!paragraph || paragraph.id !== id) paragraphs.push((paragraph = { id, lines: [] }));
    paragraph.lines.push({
      markdown,
      ...(equationOnly ? { displayLatex: formulas[firstFormula]!.latex, formula: firstFormula } : {}),
    });
  });

  emitDisplays(Infinity);

  const blocks = paragraphs.map((p) => {
    const only = p.lines.length === 1 ? p.lines[0]! : undefined;
    if (only?.displayLatex !== undefined) {
      formulas[only.formula!]!.display = true;
      return `$$${only.displayLatex}$$`;
    }
    return p.lines.map((l) => l.markdown).join('\n');
  });

  // Labels count too: an image that is all diagram was still read, and its labels are what it says.
  const inIsland = (i: number, w: OcrWord): boolean => inline.some((f) => f.line === i && contains(f.bbox, centre(w.bbox)));
  const readWords = lines.flatMap((l, i) => l.words.filter((w, k) => roles[i]![k] !== 'noise' && !inIsland(i, w)));
  readWords.push(...[...displays, ...inline].map(asWord));
  return { text: blocks.join('\n\n'), lines: outLines, formulas, labels, confidence: weightedConfidence(readWords), noise };
}

/** Groups neighbouring label words of one line (same reason) into labels, with LaTeX when they read as math. */
function collectLabels(words: readonly OcrWord[], roles: readonly WordRole[], glyphHeight: number, out: TextLabel[]): void {
  let group: OcrWord[] = [];
  let reason: TextLabel['reason'] | undefined;
  const flush = () => {
    if (group.length > 0 && reason) {
      const texts = group.map((w) => w.text);
      const segmented = segmentLine(texts);
      const single = group.length === 1 ? splitPunctuation(group[0]!.text).core : '';
      // In a diagram a lone letter is a point name (even `A`, which prose reads as a word) and a
      // lone number is a measure.
      const latex = segmented.type === 'math' && segmented.runs.length === 1 ? segmented.runs[0]!.latex : /^([A-Za-z]|\d+(\.\d+)?)$/.test(single) ? single : undefined;
      out.push({ text: texts.join(' '), ...(latex ? { latex } : {}), bbox: unionBox(group.map((w) => w.bbox)), confidence: weightedConfidence(group), reason });
    }
    group = [];
    reason = undefined;
  };
  words.forEach((w, k) => {
    const role = roles[k]!;
    if (role !== 'diagram_region' && role !== 'outside_text_column') return flush();
    const prev = group[group.length - 1];
    const near = prev !== undefined && w.bbox.x - (prev.bbox.x + prev.bbox.w) <= LABEL_GAP * glyphHeight;
    if (!near || role !== reason) flush();
    group.push(w);
    reason = role;
  });
  flush();
}
