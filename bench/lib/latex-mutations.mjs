/**
 * One-token mutations of a space-tokenised LaTeX label (im2latex normalisation), the errors a
 * recogniser makes while claiming high confidence: a visible symbol read as another of its kind,
 * dropped, or one added. Seeded by a key (the image name), so every run mutates the same tokens.
 */

const GREEK_LOWER = ['\\alpha', '\\beta', '\\gamma', '\\delta', '\\epsilon', '\\zeta', '\\eta', '\\theta', '\\kappa', '\\lambda', '\\mu', '\\nu', '\\xi', '\\pi', '\\rho', '\\sigma', '\\tau', '\\phi', '\\chi', '\\psi', '\\omega'];
const GREEK_UPPER = ['\\Gamma', '\\Delta', '\\Theta', '\\Lambda', '\\Xi', '\\Pi', '\\Sigma', '\\Phi', '\\Psi', '\\Omega'];
const DIGITS = '0123456789'.split('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
/** An operator is read as its look-alike. */
const OPERATOR_SWAPS = { '+': ['-'], '-': ['+', '='], '=': ['-', '+'], '<': ['>'], '>': ['<'] };
/** Arguments of these are not symbols on the page (environment names, column specs, lengths). */
const NON_SYMBOL_ARGUMENTS = new Set(['\\begin', '\\end', '\\hspace', '\\vspace', '\\kern', '\\hskip', '\\mkern', '\\label', '\\rule', '\\raisebox', '\\array', '\\operatorname']);

function poolOf(token) {
  if (/^[0-9]$/.test(token)) return DIGITS;
  if (/^[a-z]$/.test(token)) return LOWER;
  if (/^[A-Z]$/.test(token)) return UPPER;
  if (GREEK_LOWER.includes(token)) return GREEK_LOWER;
  if (GREEK_UPPER.includes(token)) return GREEK_UPPER;
  if (token in OPERATOR_SWAPS) return OPERATOR_SWAPS[token];
  return undefined;
}

/** Indexes of tokens that draw one symbol of their own. */
function symbolIndexes(tokens) {
  const out = [];
  const stack = [];
  let opens = 'math';
  for (const [i, t] of tokens.entries()) {
    if (t === '{') {
      stack.push(opens);
      opens = 'math';
      continue;
    }
    if (t === '}') {
      // `\begin { array } { l l }`: the column spec right after the environment's name is no math either.
      opens = stack.pop() === 'begin' ? 'skip' : 'math';
      continue;
    }
    opens = t === '\\begin' ? 'begin' : NON_SYMBOL_ARGUMENTS.has(t) ? 'skip' : 'math';
    if (!stack.some((g) => g !== 'math') && poolOf(t)) out.push(i);
  }
  return out;
}

/** Deterministic generator (mulberry32) seeded from a string. */
function random(key) {
  let h = 2166136261;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];

/**
 * Up to four mutations of `latex`: two substitutions (different tokens), one deletion, one
 * insertion. Each has `kind`, the token `index`, `from`, `to` and the mutated `latex`.
 */
export function mutations(latex, key) {
  const tokens = latex.trim().split(/\s+/);
  const candidates = symbolIndexes(tokens);
  if (candidates.length === 0) return [];
  const rnd = random(key);
  const out = [];
  const used = new Set();
  for (let n = 0; n < 2 && used.size < candidates.length; n++) {
    let index;
    do index = pick(rnd, candidates);
    while (used.has(index));
    used.add(index);
    const from = tokens[index];
    const to = pick(rnd, poolOf(from).filter((t) => t !== from));
    out.push({ kind: 'substitution', index, from, to, latex: [...tokens.slice(0, index), to, ...tokens.slice(index + 1)].join(' ') });
  }
  const deleted = pick(rnd, candidates);
  out.push({ kind: 'deletion', index: deleted, from: tokens[deleted], to: '', latex: [...tokens.slice(0, deleted), ...tokens.slice(deleted + 1)].join(' ') });
  const before = pick(rnd, candidates);
  const inserted = pick(rnd, [...LOWER, ...DIGITS]);
  out.push({ kind: 'insertion', index: before, from: '', to: inserted, latex: [...tokens.slice(0, before), inserted, ...tokens.slice(before)].join(' ') });
  return out;
}
