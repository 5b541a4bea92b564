/**
 * Finds the names of geometric objects in one normalised chunk: `\odot X`, `\overline{CD}`,
 * `m\widehat{CZ}`, `\angle ABC`, bare `AB` (a segment), `mCZ` (an arc measure whose hat OCR lost),
 * `angle ABC` in prose, single capitals (points) and lower-case variables.
 */
import type { NamedKind } from './entity-ids';

export interface NameToken {
  kind: NamedKind;
  /** Letters of the name as written, e.g. `MB` (canonical order is decided by `namedId`). */
  letters: string;
  /** The matched source, e.g. `m\widehat{CZ}`. */
  written: string;
  /** Preceded by `m`: the text speaks of the object's measure. */
  measured: boolean;
  /** Offsets of the match in the normalised chunk. */
  index: number;
  end: number;
}

const ARC_COMMANDS = 'widehat|overparen|wideparen|overarc|arc|overgroup|frown';
const WORD_PREFIX = '[Aa]ngles?|[Aa]rcs?|[Ss]egments?|[Ll]ines?|[Rr]ays?|[Cc]ircles?|[Pp]oints?|[Tt]riangles?|[Qq]uadrilaterals?|[Pp]olygons?|[Cc]hords?|[Rr]adius|[Dd]iameters?|[Tt]angents?|[Ss]ides?';

const TOKEN = new RegExp(
  [
    String.raw`(?<arcM>m\s*)?(?:\\(?:${ARC_COMMANDS})\s*\{\s*(?<arc>[A-Z]{2,3})\s*\}|\\(?:stackrel|overset)\s*\{\s*\\frown\s*\}\s*\{\s*(?<arc2>[A-Z]{2,3})\s*\})`,
    String.raw`(?<angM>m\s*)?\\(?:angle|measuredangle|sphericalangle)\s*\{?\s*(?<angle>[A-Z]{3}|[A-Z]|\d{1,2})(?![A-Za-z0-9])(?:\s*\})?`,
    String.raw`\\(?:odot|bigodot|circledcirc)\s*\{?\s*(?<circle>[A-Z])(?![A-Za-z])(?:\s*\})?`,
    String.raw`\\(?:overline|bar)\s*\{\s*(?<segment>[A-Z]{2})\s*\}`,
    String.raw`\\overleftrightarrow\s*\{\s*(?<line>[A-Z]{2})\s*\}`,
    String.raw`\\(?:overrightarrow|vec)\s*\{\s*(?<ray>[A-Z]{2})\s*\}`,
    String.raw`\\(?:triangle|bigtriangleup|square|parallelogram)\s*\{?\s*(?<polygon>[A-Z]{3,4})(?![A-Za-z])(?:\s*\})?`,
    // Any other command is consumed whole so its letters are never read as names (`\frac`, `\pi`).
    String.raw`(?<command>\\[A-Za-z]+)`,
    String.raw`(?<![A-Za-z0-9])(?:(?<word>${WORD_PREFIX})\s+)?(?<capsM>m)?(?<caps>[A-Z]{1,4})(?![A-Za-z])`,
    // Digits may precede a variable (`2x`); letters may not (`dx` is not `x`).
    String.raw`(?<![A-Za-z\\])(?<variable>[a-z])(?![A-Za-z])`,
  ].join('|'),
  'g',
);

/** All-caps words of prose that are not names of points. */
const PROSE_STOPWORDS = new Set(['AND', 'THE', 'NOT', 'FOR', 'ALL', 'ARE', 'BUT', 'YES', 'TRUE', 'FIND', 'NOTE', 'THAT', 'THIS', 'WITH', 'FROM', 'EACH', 'WHAT', 'OR', 'OF', 'TO', 'IN', 'IS', 'IT', 'BE', 'AS', 'AT', 'BY', 'IF', 'ON', 'NO', 'SO', 'DO', 'OK', 'US']);

/**
 * Lower-case letters prose uses as variables ("Find x."). Articles, pronouns and unit letters
 * (a, i, o, s, e, m) are left out: in prose they are far more often words than unknowns.
 */
const PROSE_VARIABLES = new Set([...'bcdfghjklnpqrtuvwxyz']);

const WORD_KIND: ReadonlyArray<[RegExp, NamedKind]> = [
  [/^angle/i, 'angle'],
  [/^arc/i, 'arc'],
  [/^(segment|chord|radius|diameter|tangent|side)/i, 'segment'],
  [/^line/i, 'line'],
  [/^ray/i, 'ray'],
  [/^circle/i, 'circle'],
  [/^point/i, 'point'],
  [/^(triangle|quadrilateral|polygon)/i, 'polygon'],
];

function hasRepeatedLetter(letters: string): boolean {
  return new Set(letters).size !== letters.length;
}

/** Kind of a bare capital run, from a preceding word, an `m` prefix or its length. */
function bareKind(letters: string, measured: boolean, word: string | undefined): NamedKind | undefined {
  if (word) {
    const byWord = WORD_KIND.find(([pattern]) => pattern.test(word))?.[1];
    if (byWord === 'circle' || byWord === 'point') return letters.length === 1 ? byWord : undefined;
    if (byWord === 'angle') return letters.length === 1 || letters.length === 3 ? 'angle' : undefined;
    if (byWord === 'polygon') return letters.length >= 3 ? 'polygon' : undefined;
    if (byWord) return letters.length === 2 || (byWord === 'arc' && letters.length === 3) ? byWord : undefined;
  }
  if (measured) return letters.length === 2 || letters.length === 3 ? 'arc' : undefined;
  if (letters.length === 1) return 'point';
  if (letters.length === 2) return 'segment';
  return 'polygon';
}

/** Name tokens of a normalised chunk, in order. */
export function scanNames(chunk: string, inMath: boolean): NameToken[] {
  const tokens: NameToken[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(chunk); m; m = TOKEN.exec(chunk)) {
    const g = m.groups ?? {};
    const at = { written: m[0], index: m.index, end: m.index + m[0].length };
    const arc = g.arc ?? g.arc2;
    if (arc) {
      if (!hasRepeatedLetter(arc)) tokens.push({ kind: 'arc', letters: arc, measured: g.arcM !== undefined, ...at });
    } else if (g.angle) {
      tokens.push({ kind: 'angle', letters: g.angle, measured: g.angM !== undefined, ...at });
    } else if (g.circle) {
      tokens.push({ kind: 'circle', letters: g.circle, measured: false, ...at });
    } else if (g.segment ?? g.line ?? g.ray) {
      const kind: NamedKind = g.segment ? 'segment' : g.line ? 'line' : 'ray';
      const letters = (g.segment ?? g.line ?? g.ray) as string;
      if (!hasRepeatedLetter(letters)) tokens.push({ kind, letters, measured: false, ...at });
    } else if (g.polygon) {
      if (!hasRepeatedLetter(g.polygon)) tokens.push({ kind: 'polygon', letters: g.polygon, measured: false, ...at });
    } else if (g.caps) {
      const token = bareToken(chunk, m, g.caps, g.capsM !== undefined, g.word, inMath);
      if (token) tokens.push(token);
    } else if (g.variable) {
      if (inMath || (PROSE_VARIABLES.has(g.variable) && chunk[at.end] !== ')')) {
        tokens.push({ kind: 'variable', letters: g.variable, measured: false, ...at });
      }
    }
  }
  return tokens;
}

function bareToken(chunk: string, m: RegExpExecArray, letters: string, measured: boolean, word: string | undefined, inMath: boolean): NameToken | undefined {
  if (letters.length > 1 && hasRepeatedLetter(letters)) return undefined;
  if (!inMath && !word && !measured) {
    if (PROSE_STOPWORDS.has(letters)) return undefined;
    // "page R7", "Exercise B2": a capital run glued to digits in prose is a reference, not a point.
    if (/^\d/.test(chunk.slice(m.index + m[0].length))) return undefined;
    // "A circle ..." opening a sentence, or "I think": an article or pronoun, not a point.
    const beforeWordsOnly = /^\s+[a-z]/.test(chunk.slice(m.index + m[0].length));
    const opensSentence = /(?:^|[.!?:\n])\s*$/.test(chunk.slice(0, m.index));
    if (beforeWordsOnly && (letters === 'I' || (letters === 'A' && opensSentence))) return undefined;
  }
  // A word that does not fit ("segment A") is ignored rather than dropping the name.
  const kind = bareKind(letters, measured, word) ?? bareKind(letters, measured, undefined);
  if (!kind) return undefined;
  return { kind, letters, written: m[0], measured, index: m.index, end: m.index + m[0].length };
}
