/**
 * Reads the statements of one normalised chunk: `AB = 30` and `m\widehat{CZ} = 40` (a value of a
 * named object), `AB = CD` (two objects equal), `AD = 2x+3` (an object equal to an expression),
 * and any other equation (`x^2 + 1 = 10`). Clauses are cut at top-level commas, semicolons and
 * "and", so `\odot X, AB=30, CD=30,` gives two statements.
 */
import type { NameToken } from './entity-patterns';

export interface ClauseStatement {
  kind: 'value' | 'equation';
  /** The clause as written in the normalised chunk, e.g. `AB=30`. */
  text: string;
  /** The object the statement is about, when one side is exactly one name. */
  subject?: NameToken;
  /** The other side when it is exactly one name (`AB = CD`). */
  other?: NameToken;
  value?: number;
  /** The other side as written when it is neither a number nor a name (`2x+3`). */
  expression?: string;
  degrees: boolean;
  /** Every name inside the clause. */
  tokens: NameToken[];
}

interface Span {
  start: number;
  end: number;
}

/** Top-level clause spans of a chunk (commas inside braces or brackets do not cut). */
function clauseSpans(chunk: string): Span[] {
  const spans: Span[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i];
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ',' || c === ';')) {
      spans.push({ start, end: i });
      start = i + 1;
    }
  }
  spans.push({ start, end: chunk.length });
  const out: Span[] = [];
  for (const span of spans) {
    const and = /\s+and\s+/g;
    let from = span.start;
    const body = chunk.slice(span.start, span.end);
    for (let m = and.exec(body); m; m = and.exec(body)) {
      out.push({ start: from, end: span.start + m.index });
      from = span.start + m.index + m[0].length;
    }
    out.push({ start: from, end: span.end });
  }
  return out;
}

const LEADING_CONNECTIVE = /^\s*(?:(?:and|then|if|so|where|with|given|let|suppose|that|since|in)\s+)+/i;
const NUMBER_SIDE = /^(-?\d+(?:\.\d+)?)\s*(\^\s*\{?\s*\\circ\s*\}?)?\s*(?:\\%|%|cm|mm|km|m|in|ft|yd|units?)?$/;

/** Trimmed side of an equation: connectives before, sentence punctuation after. */
function trimSide(chunk: string, span: Span): Span {
  let { start, end } = span;
  const leading = LEADING_CONNECTIVE.exec(chunk.slice(start, end));
  if (leading) start += leading[0].length;
  while (start < end && /\s/.test(chunk[start] ?? '')) start++;
  while (end > start && /[\s.:;!?]/.test(chunk[end - 1] ?? '')) end--;
  return { start, end };
}

/** The single name that makes up a side exactly, if any. */
function soleName(tokens: readonly NameToken[], side: Span): NameToken | undefined {
  const inside = tokens.filter((t) => t.index >= side.start && t.end <= side.end);
  const only = inside.length === 1 ? inside[0] : undefined;
  return only && only.index === side.start && only.end === side.end && only.kind !== 'point' ? only : undefined;
}

function parseNumber(text: string): { value: number; degrees: boolean } | undefined {
  const m = NUMBER_SIDE.exec(text.trim());
  if (!m) return undefined;
  return { value: Number(m[1]), degrees: m[2] !== undefined };
}

/** A number opening a prose side, words after it ignored ("40 degrees, so ..."), an operator not ("2 + y"). */
const LEADING_NUMBER = /^(-?\d+(?:\.\d+)?)(?![\d.])\s*(\^\s*\{?\s*\\circ\s*\}?|°|degrees?\b)?(?!\s*[-+*\/^×÷=])/;

/**
 * Statements of prose (OCR text without math markup): only `name = number` and `name = name`,
 * since where an expression ends in running text cannot be told reliably.
 */
function readProseStatement(chunk: string, tokens: readonly NameToken[], clause: { lhs: Span; rhs: Span; text: string; clauseTokens: NameToken[] }): ClauseStatement | undefined {
  // The name right before "=" is the subject; words before it are prose ("Here mCZ = 40").
  const subject = tokens.find((t) => t.end === clause.lhs.end && t.index >= clause.lhs.start && t.kind !== 'point');
  if (!subject) return undefined;
  const rhsText = chunk.slice(clause.rhs.start, clause.rhs.end);
  const number = LEADING_NUMBER.exec(rhsText);
  if (number) {
    const text = `${subject.written} = ${number[0].trim()}`;
    return { kind: 'value', text, subject, value: Number(number[1]), degrees: number[2] !== undefined, tokens: clause.clauseTokens };
  }
  const other = tokens.find((t) => t.index === clause.rhs.start && /^[\s.,;:!?]*$/.test(chunk.slice(t.end, clause.rhs.end)));
  return other && other.kind !== 'point' ? { kind: 'equation', text: `${subject.written} = ${other.written}`, subject, other, degrees: false, tokens: clause.clauseTokens } : undefined;
}

/** Statements of a normalised chunk whose name tokens are `tokens` (from `scanNames`). */
export function readStatements(chunk: string, tokens: readonly NameToken[], inMath = true): ClauseStatement[] {
  const statements: ClauseStatement[] = [];
  for (const clause of clauseSpans(chunk)) {
    const body = chunk.slice(clause.start, clause.end);
    // One plain `=`: `\leq`, `\neq`, `:=` and chains such as `a = b = c` are general equations.
    const equals = [...body.matchAll(/(?<![<>!:=\\])=(?!=)/g)];
    if (equals.length === 0) continue;
    const trimmed = trimSide(chunk, clause);
    const clauseTokens = tokens.filter((t) => t.index >= trimmed.start && t.end <= trimmed.end);
    const text = chunk.slice(trimmed.start, trimmed.end);
    const first = equals[0];
    if (!inMath) {
      if (equals.length !== 1 || !first) continue;
      const at = clause.start + first.index;
      const prose = readProseStatement(chunk, tokens, { lhs: trimSide(chunk, { start: clause.start, end: at }), rhs: trimSide(chunk, { start: at + 1, end: clause.end }), text, clauseTokens });
      if (prose) statements.push(prose);
      continue;
    }
    if (equals.length > 1 || !first) {
      statements.push({ kind: 'equation', text, degrees: false, tokens: clauseTokens });
      continue;
    }
    const at = clause.start + first.index;
    const lhs = trimSide(chunk, { start: clause.start, end: at });
    const rhs = trimSide(chunk, { start: at + 1, end: clause.end });
    const lhsName = soleName(tokens, lhs);
    const rhsName = soleName(tokens, rhs);
    const lhsNumber = parseNumber(chunk.slice(lhs.start, lhs.end));
    const rhsNumber = parseNumber(chunk.slice(rhs.start, rhs.end));
    if (lhsName && rhsNumber) {
      statements.push({ kind: 'value', text, subject: lhsName, value: rhsNumber.value, degrees: rhsNumber.degrees, tokens: clauseTokens });
    } else if (rhsName && lhsNumber) {
      statements.push({ kind: 'value', text, subject: rhsName, value: lhsNumber.value, degrees: lhsNumber.degrees, tokens: clauseTokens });
    } else if (lhsName && rhsName) {
      statements.push({ kind: 'equation', text, subject: lhsName, other: rhsName, degrees: false, tokens: clauseTokens });
    } else if (lhsName || rhsName) {
      const subject = (lhsName ?? rhsName) as NameToken;
      const side = lhsName ? rhs : lhs;
      statements.push({ kind: 'equation', text, subject, expression: chunk.slice(side.start, side.end), degrees: false, tokens: clauseTokens });
    } else {
      statements.push({ kind: 'equation', text, degrees: false, tokens: clauseTokens });
    }
  }
  return statements;
}
