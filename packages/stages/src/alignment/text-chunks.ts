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
  /** True when the chunk starts at or after the question part's start. */
  inQuestion: boolean;
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

/** Prose and math chunks in text order; a prose chunk that spans the question start is cut there. */
export function splitChunks(text: string): TextChunk[] {
  const questionStart = findQuestionStart(text);
  const chunks: TextChunk[] = [];
  const pushProse = (start: number, end: number): void => {
    const cuts = questionStart > start && questionStart < end ? [start, questionStart, end] : [start, end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i] ?? start;
      const to = cuts[i + 1] ?? end;
      if (to > from) chunks.push({ text: text.slice(from, to), start: from, inMath: false, display: false, inQuestion: from >= questionStart });
    }
  };
  let cursor = 0;
  MATH_SPAN.lastIndex = 0;
  for (let m = MATH_SPAN.exec(text); m; m = MATH_SPAN.exec(text)) {
    pushProse(cursor, m.index);
    const body = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
    const display = m[1] !== undefined || m[4] !== undefined;
    chunks.push({ text: body, start: m.index, inMath: true, display, inQuestion: m.index >= questionStart });
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
