/**
 * Classifies one OCR word as prose or math and, for math, writes its LaTeX. A word is split into
 * leading punctuation, a core and trailing punctuation (sentence punctuation stays outside
 * `$...$`); the core is then an operator (`=`), a number (`30`), a math atom (point names `AB`,
 * variables `x`, `2x`, `m\widehat{CZ}`, `\odot X`, `x^{2}`, `\frac{1}{2}`), a prefix that needs
 * the next word (a lone `⊙`), or a prose word. Ambiguous cases (`A`, `a`, `I`) become math only
 * next to an operator; math-runs.ts decides that.
 */
import {
  CAPITAL_WORDS,
  GREEK_LATEX,
  LEADING_PUNCTUATION,
  ODOT_CONTEXT_WORDS,
  ODOT_MISREADS,
  OPERATOR_LATEX,
  ORDINAL_SUFFIXES,
  SUBSCRIPT_DIGITS,
  SUPERSCRIPT_DIGITS,
  SYMBOL_LATEX,
  TRAILING_PUNCTUATION,
} from './math-lexicon';

export type TokenKind = 'op' | 'num' | 'atom' | 'maybe_atom' | 'prefix' | 'word';

export interface MathToken {
  kind: TokenKind;
  lead: string;
  core: string;
  trail: string;
  /** LaTeX of the core for every kind but `word`. */
  latex?: string;
}

export interface WordContext {
  /** The previous word's text in the line, if any. */
  previous?: string;
  /** First word of its line (list markers such as `b.` are prose there). */
  lineStart: boolean;
  /** There is ink above the word's capitals: an arc or bar over a name (`mCZ` with an arc). */
  accent: boolean;
}

/** Names read as operators (`\sin`), never as words of a sentence. */
export const FUNCTION_NAMES: ReadonlySet<string> = new Set(['sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'log', 'ln', 'exp', 'lim', 'max', 'min']);
const ODOT_CLASS = `[${[...ODOT_MISREADS].join('')}]`;
const LONE_ODOT = new RegExp(`^${ODOT_CLASS}+$`);
const GLUED_ODOT = new RegExp(`^${ODOT_CLASS}+([A-Z])$`);
const NUMBER = /^[-−–—+]?\d+(\.\d+)?$/;

/** Splits sentence punctuation and unbalanced brackets off both ends of a word. */
export function splitPunctuation(text: string): { lead: string; core: string; trail: string } {
  let core = text.trim();
  const leadMatch = LEADING_PUNCTUATION.exec(core);
  let lead = leadMatch ? leadMatch[0] : '';
  core = core.slice(lead.length);
  let trail = '';
  for (;;) {
    const t = TRAILING_PUNCTUATION.exec(core);
    if (t && t[0].length < core.length) {
      trail = t[0] + trail;
      core = core.slice(0, -t[0].length);
      continue;
    }
    const opens = (core.match(/[([]/g) ?? []).length;
    const closes = (core.match(/[)\]]/g) ?? []).length;
    if (closes > opens && /[)\]]$/.test(core) && core.length > 1) {
      trail = core.slice(-1) + trail;
      core = core.slice(0, -1);
      continue;
    }
    if (opens > closes && /^[([]/.test(core) && core.length > 1) {
      lead += core[0];
      core = core.slice(1);
      continue;
    }
    break;
  }
  return { lead, core, trail };
}

interface Piece { type: 'num' | 'ident' | 'op' | 'sym' | 'open' | 'close' | 'sup' | 'sub' | 'caret' | 'under' | 'slash' | 'comma'; latex: string }

/** Lexes a word such as `2x+3`, `x²`, `f(x)`, `1/2`, `30°` into pieces; undefined when it is not math. */
function lexMath(core: string): Piece[] | undefined {
  const pieces: Piece[] = [];
  const chars = [...core];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i]!;
    const two = c + (chars[i + 1] ?? '');
    if (/\d/.test(c)) {
      let j = i;
      while (j < chars.length && (/\d/.test(chars[j]!) || (chars[j] === '.' && /\d/.test(chars[j + 1] ?? '')))) j++;
      pieces.push({ type: 'num', latex: chars.slice(i, j).join('') });
      i = j;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < chars.length && /[A-Za-z]/.test(chars[j]!)) j++;
      const name = chars.slice(i, j).join('');
      if (FUNCTION_NAMES.has(name)) pieces.push({ type: 'ident', latex: `\\${name}` });
      else if (name.length <= 3) pieces.push({ type: 'ident', latex: name });
      else return undefined; // a long run of letters is a word, not a product of variables
      i = j;
    } else if (OPERATOR_LATEX[two] && two.length === 2) {
      pieces.push({ type: 'op', latex: OPERATOR_LATEX[two]! });
      i += 2;
    } else if (OPERATOR_LATEX[c]) {
      pieces.push({ type: 'op', latex: OPERATOR_LATEX[c]! });
      i++;
    } else if (GREEK_LATEX[c]) {
      pieces.push({ type: 'ident', latex: GREEK_LATEX[c]! });
      i++;
    } else if (SYMBOL_LATEX[c]) {
      pieces.push({ type: 'sym', latex: SYMBOL_LATEX[c]! });
      i++;
    } else if (SUPERSCRIPT_DIGITS[c] || SUBSCRIPT_DIGITS[c]) {
      const table = SUPERSCRIPT_DIGITS[c] ? SUPERSCRIPT_DIGITS : SUBSCRIPT_DIGITS;
      let j = i;
      while (j < chars.length && table[chars[j]!]) j++;
      const body = chars.slice(i, j).map((x) => table[x]).join('');
      pieces.push({ type: table === SUPERSCRIPT_DIGITS ? 'sup' : 'sub', latex: body });
      i = j;
    } else {
      const simple: Record<string, Piece> = {
        '(': { type: 'open', latex: '(' }, '[': { type: 'open', latex: '[' }, '{': { type: 'open', latex: '\\{' },
        ')': { type: 'close', latex: ')' }, ']': { type: 'close', latex: ']' }, '}': { type: 'close', latex: '\\}' },
        '^': { type: 'caret', latex: '^' }, _: { type: 'under', latex: '_' }, '/': { type: 'slash', latex: '/' },
        ',': { type: 'comma', latex: ',' }, "'": { type: 'sym', latex: "'" }, '%': { type: 'sym', latex: '\\%' },
      };
      const piece = simple[c];
      if (!piece) return undefined;
      pieces.push(piece);
      i++;
    }
  }
  return pieces;
}

/** Fraction operands: a number, one letter or one command (`\alpha`); `and/or` is no fraction. */
const isOperand = (p: Piece | undefined): boolean =>
  p !== undefined && (p.type === 'num' || (p.type === 'ident' && (p.latex.length === 1 || /^\\[A-Za-z]+$/.test(p.latex))));

/** Joins lexed pieces into LaTeX: scripts, fractions of simple operands, spaced binary operators. */
function piecesToLatex(input: Piece[]): string {
  const pieces = [...input];
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    const next = pieces[i + 1];
    if ((p.type === 'caret' || p.type === 'under') && next && next.type !== 'op') {
      pieces.splice(i, 2, { type: 'sup', latex: `${p.type === 'caret' ? '^' : '_'}{${next.latex}}` });
    } else if (p.type === 'sup' || p.type === 'sub') {
      pieces[i] = { type: 'sup', latex: `${p.type === 'sup' ? '^' : '_'}{${p.latex}}` };
    } else if (p.type === 'slash' && isOperand(pieces[i - 1]) && isOperand(next)) {
      pieces.splice(i - 1, 3, { type: 'ident', latex: `\\frac{${pieces[i - 1]!.latex}}{${next!.latex}}` });
      i -= 1;
    } else if (p.latex === '\\sqrt' && next && next.type !== 'op') {
      pieces.splice(i, 2, { type: 'ident', latex: `\\sqrt{${next.latex}}` });
    }
  }
  let out = '';
  pieces.forEach((p, i) => {
    const prev = pieces[i - 1];
    const binary = p.type === 'op' && prev !== undefined && prev.type !== 'op' && prev.type !== 'open' && prev.type !== 'comma';
    if (binary) out += ` ${p.latex} `;
    else if (p.type === 'comma') out += ', ';
    else {
      if (/\\[A-Za-z]+$/.test(out) && /^[A-Za-z0-9]/.test(p.latex)) out += ' ';
      out += p.latex;
    }
  });
  return out.replace(/\s+/g, ' ').trim();
}

/** A word that lexes as math and has something only math has (an operator, a script, a symbol). */
function mixedMathLatex(core: string): string | undefined {
  // Hyphenated prose: "x-axis", "well-known", "right-angled".
  if (/^[A-Za-z]+(-[A-Za-z]+)+$/.test(core) && /[A-Za-z]{3,}/.test(core)) return undefined;
  const pieces = lexMath(core);
  if (!pieces || pieces.length === 0) return undefined;
  const mathy = pieces.some((p) => p.type !== 'num' && p.type !== 'ident' && p.type !== 'comma')
    || pieces.some((p) => p.type === 'ident' && (p.latex.startsWith('\\') || /^[^A-Za-z]/.test(p.latex)));
  if (!mathy) return undefined;
  // A slash or parenthesis alone does not make math of prose ("and/or", "(see"): need an operand on each side.
  if (pieces.every((p) => p.type !== 'op' && p.type !== 'sup' && p.type !== 'sub' && p.type !== 'sym' && p.type !== 'caret')) {
    const hasFraction = pieces.some((p, i) => p.type === 'slash' && isOperand(pieces[i - 1]) && isOperand(pieces[i + 1]));
    const hasCall = pieces.some((p, i) => p.type === 'open' && pieces[i - 1]?.type === 'ident');
    const hasGreek = pieces.some((p) => p.type === 'ident' && p.latex.startsWith('\\'));
    if (!hasFraction && !hasCall && !hasGreek) return undefined;
  }
  return piecesToLatex(pieces);
}

const bare = (word: string | undefined): string => (word ? splitPunctuation(word).core.toLowerCase() : '');

/** Classifies one word; see the module header for the kinds. */
export function classifyWord(text: string, ctx: WordContext): MathToken {
  const { lead, core, trail } = splitPunctuation(text);
  const token = (kind: TokenKind, latex?: string): MathToken => ({ kind, lead, core, trail, latex });
  if (core === '') return token('word');
  if (OPERATOR_LATEX[core]) return token('op', OPERATOR_LATEX[core]);
  if (NUMBER.test(core)) return token('num', core.replace(/^[−–—]/, '-'));
  if (/^\d+(\.\d+)?%$/.test(core)) return token('word');
  if (LONE_ODOT.test(core)) return token('prefix', '\\odot');

  const glued = GLUED_ODOT.exec(core) ?? (ODOT_CONTEXT_WORDS.has(bare(ctx.previous)) ? /^[O0o]([A-Z])$/.exec(core) : null);
  if (glued) return token('atom', `\\odot ${glued[1]}`);

  const measure = /^m([A-Z]{2,3})$/.exec(core);
  if (measure && ctx.accent) return token('atom', `m\\widehat{${measure[1]}}`);
  // `∠` has no glyph in the English model: it comes back as `Z` or `/` (m∠1 -> mZ1, m∠M -> m/M).
  const angle = /^m?[∠Z/](\d{1,2}|[A-Z]|[A-Z]{3})$/.exec(core);
  if (angle && (core.startsWith('m') || core.startsWith('∠'))) return token('atom', `${core.startsWith('m') ? 'm' : ''}\\angle ${angle[1]}`);
  if (measure) return token('atom', `m ${measure[1]}`);

  if (/^[A-Z]{1,4}$/.test(core)) {
    const listMarker = ctx.lineStart && core.length === 1 && /^[.)]/.test(trail);
    if (listMarker || CAPITAL_WORDS.has(core)) return token('word');
    if (core === 'A' || core === 'I') return token('maybe_atom', core);
    return token('atom', ctx.accent && core.length >= 2 ? `\\overline{${core}}` : core);
  }
  if (/^[a-z]$/.test(core)) {
    if (ctx.lineStart && /^[.)]/.test(trail)) return token('word');
    return token(core === 'a' ? 'maybe_atom' : 'atom', core);
  }
  const implicit = /^(\d+(?:\.\d+)?)([a-z]{1,2})$/.exec(core);
  if (implicit) return ORDINAL_SUFFIXES.has(implicit[2]!) ? token('word') : token('atom', core);
  if ([...core].every((c) => GREEK_LATEX[c])) return token('atom', [...core].map((c) => GREEK_LATEX[c]).join(' '));

  const latex = mixedMathLatex(core);
  return latex === undefined ? token('word') : token('atom', latex);
}

/** A relation glued to the front or back of an operand: `=9,`, `BC=`. */
const LEADING_RELATION = /^(<=|>=|!=|[=<>≤≥≠≈≅])(?=[\p{L}\p{N}(])/u;
const TRAILING_RELATION = /(?<=[\p{L}\p{N})])(<=|>=|!=|[=<>≤≥≠≈≅])([.,;:]?)$/u;

/**
 * Splits what OCR glued together when it missed a space: a comma outside brackets followed by a
 * letter (`6,BC=` -> `6,` `BC=`, `16,and` -> `16,` `and`) and relations hanging off an operand
 * (`BC=` -> `BC` `=`, `=9,` -> `=` `9,`). `(0,7)` and `a=b` stay whole.
 */
export function splitGluedWord(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0 && /[A-Za-z]/.test(text[i + 1] ?? '') && i > 0) {
      parts.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.flatMap(splitRelation).filter((p) => p !== '');
}

function splitRelation(part: string): string[] {
  const lead = LEADING_RELATION.exec(part);
  if (lead && part.length > lead[0].length && !TRAILING_RELATION.test(part)) return [lead[0], part.slice(lead[0].length)];
  const trail = TRAILING_RELATION.exec(part);
  if (trail && !LEADING_RELATION.test(part) && !/[=<>≤≥≠≈≅]/.test(part.slice(0, trail.index))) {
    return [part.slice(0, trail.index), trail[0]];
  }
  return [part];
}
