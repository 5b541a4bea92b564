/**
 * Splits stage B's Markdown-style text into prose and math chunks (`$...$`, `$$...$$`, `\(...\)`,
 * `\[...\]`), finds where the question part starts ("Find each measure.", "What is ...?"), and
 * normalises a chunk's LaTeX so that the entity patterns see one spelling: Mathpix writes
 * `m \widehat{C Z}`, OCR writes `⊙X` or `mCZ`, people write `\overline{\mathrm{AB}}`.
 */

export interface TextChunk {
  /** The chunk's text without its delimiters. */
  text: string;
  /** Offset of the chunk's first character in the full text. */
  start: number;
  inMath: boolean;
  /** Displayed math (`$$...$$`, `\[...\]`) rather than inline. */
  display: boolean;
  /** True when the chunk starts at or after the question part's start (of its item). */
  inQuestion: boolean;
  /** Which item of the text it belongs to (0-based; see `findItems`). */
  item: number;
}

/** A problem of its own inside the text: `10. If AB = 6, ..., find ED.` on a worksheet of several. */
export interface TextItem {
  start: number;
  end: number;
  /** Where its question part starts (`end` when it has none). */
  questionStart: number;
}

const MATH_SPAN = /\$\$([\s\S]+?)\$\$|(?<!\\)\$([^$]+?)(?<!\\)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g;

/**
 * Words that open the question part of a textbook problem. The question runs from the first
 * sentence that starts with one (after any item number such as `11.`) or that ends with `?`.
 */
const QUESTION_CUE = /^(?:\(?\d{1,3}[.)]\s*|[a-z]\)\s*)?(?:find|determine|compute|calculate|solve|evaluate|express|prove|show|what|which|how|name|identify|write|simplify|estimate|give|use|select|choose)\b/i;

/** An imperative after a comma also opens the question: "If $AD=27$, find $BC$." */
const CLAUSE_QUESTION_CUE = /^(?:find|determine|compute|calculate|solve|evaluate|express|prove|show)\b/i;

/** Offset where the question part starts, or the text's length when there is none. */
export function findQuestionStart(text: string): number {
  const starts = [0];
  const boundary = /[.!?]\s+|\n+/g;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) starts.push(m.index + m[0].length);
  let question = text.length;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] ?? 0;
    const end = starts[i + 1] ?? text.length;
    const sentence = text.slice(start, end);
    if (QUESTION_CUE.test(sentence.trimStart()) || sentence.trimEnd().endsWith('?')) {
      question = start;
      break;
    }
  }
  const clause = /[,;]\s+/g;
  for (let m = clause.exec(text); m && m.index < question; m = clause.exec(text)) {
    const start = m.index + m[0].length;
    if (CLAUSE_QUESTION_CUE.test(text.slice(start))) return start;
  }
  return question;
}

/**
 * The items of a text: a worksheet or a page of exercises holds several problems, each with its
 * givens and its question ("10. If AB = 6 ..., find ED." then "11. If AB = 12 ..., find AE."). A
 * line whose question part has started closes its item, so each item ends with its question;
 * lines with no question of their own after one (the parts "1. AM  2. MB" under "Find each
 * measure.") continue it, as question. A single problem is one item.
 */
export function findItems(text: string): TextItem[] {
  const lines: Array<{ start: number; end: number }> = [];
  const newline = /\n/g;
  let from = 0;
  for (let m = newline.exec(text); m; m = newline.exec(text)) {
    lines.push({ start: from, end: m.index + 1 });
    from = m.index + 1;
  }
  lines.push({ start: from, end: text.length });
  const items: TextItem[] = [];
  let start = 0;
  for (const [i, line] of lines.entries()) {
    const last = i === lines.length - 1;
    const asks = findQuestionStart(text.slice(line.start, line.end)) < line.end - line.start;
    if (!asks && !last) continue;
    const questionStart = start + findQuestionStart(text.slice(start, line.end));
    items.push({ start, end: line.end, questionStart: Math.min(questionStart, line.end) });
    start = line.end;
  }
  // Items with no question of their own after one that asked are its parts: one item, all question.
  const merged: TextItem[] = [];
  for (const item of items) {
    const prev = merged.at(-1);
    if (prev && item.questionStart >= item.end && prev.questionStart < prev.end) prev.end = item.end;
    else merged.push({ ...item });
  }
  return merged.length ? merged : [{ start: 0, end: text.length, questionStart: text.length }];
}

/** Prose and math chunks in text order; a prose chunk that spans an item's or a question's start is cut there. */
export function splitChunks(text: string): TextChunk[] {
  const items = findItems(text);
  const itemAt = (offset: number): number => Math.max(0, items.findIndex((it) => offset >= it.start && offset < it.end));
  const inQuestion = (offset: number): boolean => {
    const it = items[itemAt(offset)];
    return it !== undefined && offset >= it.questionStart;
  };
  const boundaries = [...new Set(items.flatMap((it) => [it.start, it.questionStart]))].sort((a, b) => a - b);
  const chunks: TextChunk[] = [];
  const pushProse = (start: number, end: number): void => {
    const cuts = [start, ...boundaries.filter((b) => b > start && b < end), end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i] ?? start;
      const to = cuts[i + 1] ?? end;
      if (to > from) chunks.push({ text: text.slice(from, to), start: from, inMath: false, display: false, inQuestion: inQuestion(from), item: itemAt(from) });
    }
  };
  let cursor = 0;
  MATH_SPAN.lastIndex = 0;
  for (let m = MATH_SPAN.exec(text); m; m = MATH_SPAN.exec(text)) {
    pushProse(cursor, m.index);
    const body = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
    const display = m[1] !== undefined || m[4] !== undefined;
    chunks.push({ text: body, start: m.index, inMath: true, display, inQuestion: inQuestion(m.index), item: itemAt(m.index) });
    cursor = m.index + m[0].length;
  }
  pushProse(cursor, text.length);
  return chunks;
}

/** Unicode symbols OCR produces for what LaTeX spells as commands. */
const UNICODE_COMMANDS: ReadonlyArray<[RegExp, string]> = [
  [/[⊙☉◉©]/g, '\\odot '],
  [/[∠∡]/g, '\\angle '],
  [/[△∆]/g, '\\triangle '],
  [/°|º/g, '^{\\circ}'],
  [/[−–]/g, '-'],
  [/＝/g, '='],
];

/** Wrappers whose content is read as if unwrapped (`\mathrm{AB}` is the segment AB). */
const UNWRAP = /\\(?:mathrm|mathit|mathbf|mathsf|text|textit|textrm|operatorname|boldsymbol)\s*\{([^{}]*)\}/g;

/**
 * One spelling for a chunk (see the module header). Offsets are not preserved. Spaced capitals are
 * joined only in math: in prose `A Y B` is more likely three labels read off a diagram.
 */
export function normaliseLatex(source: string, inMath: boolean): string {
  let s = source;
  for (const [pattern, replacement] of UNICODE_COMMANDS) s = s.replace(pattern, replacement);
  for (let previous = ''; previous !== s; ) {
    previous = s;
    s = s.replace(UNWRAP, '$1');
  }
  s = s
    .replace(/\\(?:left|right|displaystyle)\b/g, '')
    .replace(/\\[,;:!]|~/g, ' ')
    .replace(/\\q?quad\b/g, ',');
  // `A B C` -> `ABC`: Mathpix spaces the letters of a name; repeat until no pair is left.
  for (let previous = ''; inMath && previous !== s; ) {
    previous = s;
    s = s.replace(/(?<![A-Za-z\\])([A-Z]+)\s+(?=[A-Z](?![a-z]))/g, '$1');
  }
  return s.replace(/\s+/g, ' ').trim();
}
