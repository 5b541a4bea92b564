/**
 * What the recogniser can read: every symbol as the TeX that MathJax renders for its template,
 * the tokens it is written as in the output (im2latex normalisation: space-separated tokens,
 * `\mathrm { e }` for upright letters), and its kind, which the layout analysis reasons with.
 */
export type SymbolKind =
  | 'ord' // letters, digits, Greek, misc symbols
  | 'bin' // binary operators
  | 'rel' // relations and arrows
  | 'open' // opening delimiters
  | 'close' // closing delimiters
  | 'fence' // | and \| which open or close by position
  | 'bigop' // \sum-like, limits above and below in display style
  | 'integral' // \int-like, limits as scripts
  | 'punct' // , ; : .
  | 'accent' // marks placed over a base
  | 'prime'
  | 'word' // a function name whose letters touch, read as one piece
  | 'dot'; // \cdot and the low dot, told apart by height

export interface SymbolSpec {
  /** TeX rendered for the template. */
  tex: string;
  /** Output tokens. */
  label: string;
  kind: SymbolKind;
  display?: boolean;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const DIGITS = '0123456789'.split('');
const GREEK_LOWER = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi', 'varpi', 'rho', 'varrho', 'sigma', 'varsigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega'];
const GREEK_UPPER = ['Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Pi', 'Sigma', 'Upsilon', 'Phi', 'Psi', 'Omega'];

const BIN = ['+', '-', '\\pm', '\\mp', '\\times', '\\div', '\\ast', '\\star', '\\circ', '\\bullet', '\\cap', '\\cup', '\\wedge', '\\vee', '\\oplus', '\\otimes', '\\setminus', '\\dagger', '/', '\\backslash'];
const REL = ['=', '<', '>', '\\leq', '\\geq', '\\neq', '\\equiv', '\\sim', '\\simeq', '\\approx', '\\cong', '\\propto', '\\subset', '\\supset', '\\subseteq', '\\supseteq', '\\in', '\\notin', '\\ni', '\\rightarrow', '\\leftarrow', '\\leftrightarrow', '\\Rightarrow', '\\Leftarrow', '\\Leftrightarrow', '\\longrightarrow', '\\mapsto', '\\perp', '\\ll', '\\gg', '\\models', '\\vdash', '\\parallel'];
const MISC = ['\\infty', '\\partial', '\\nabla', '\\forall', '\\exists', '\\emptyset', '\\hbar', '\\ell', '\\imath', '\\jmath', '\\aleph', '\\Re', '\\Im', '\\wp', '\\#', '\\%', '\\&', '\\angle', '\\triangle', '\\clubsuit', '\\S'];
const PUNCT = [',', ';', ':', '!', '?', '.'];
const OPEN = ['(', '[', '\\{', '\\langle', '\\lfloor', '\\lceil'];
const CLOSE = [')', ']', '\\}', '\\rangle', '\\rfloor', '\\rceil'];
const FENCE = ['|', '\\|'];
const BIGOPS = ['\\sum', '\\prod', '\\coprod', '\\bigcup', '\\bigcap', '\\bigoplus', '\\bigotimes', '\\bigvee', '\\bigwedge'];
const INTEGRALS = ['\\int', '\\oint', '\\iint'];
const ACCENTS = ['hat', 'tilde', 'vec', 'dot', 'ddot', 'check', 'breve', 'acute', 'grave'];
const DELIM_SIZES = ['\\big', '\\Big', '\\bigg', '\\Bigg'];
/** Heights (em) of \left...\right delimiters built from pieces, beyond \Bigg. */
const STRETCH_EM = [3.6, 4.4, 5.4, 6.6];

function specs(): SymbolSpec[] {
  const out: SymbolSpec[] = [];
  const add = (tex: string, label: string, kind: SymbolKind, display?: boolean): void => {
    out.push(display === undefined ? { tex, label, kind } : { tex, label, kind, display });
  };
  for (const c of [...LOWER, ...UPPER]) {
    add(c, c, 'ord');
    add(`\\mathrm{${c}}`, `\\mathrm { ${c} }`, 'ord');
    add(`\\mathbf{${c}}`, `\\mathbf { ${c} }`, 'ord');
  }
  for (const c of UPPER) add(`\\mathcal{${c}}`, `\\mathcal { ${c} }`, 'ord');
  for (const d of DIGITS) {
    add(d, d, 'ord');
    add(`\\mathbf{${d}}`, `\\mathbf { ${d} }`, 'ord');
  }
  for (const g of GREEK_LOWER) add(`\\${g}`, `\\${g}`, 'ord');
  for (const g of GREEK_UPPER) add(`\\${g}`, `\\${g}`, 'ord');
  for (const b of BIN) add(b, b, 'bin');
  for (const r of REL) add(r, r, 'rel');
  for (const m of MISC) add(m, m, 'ord');
  for (const p of PUNCT) add(p, p, p === '.' ? 'dot' : 'punct');
  add('\\cdot', '\\cdot', 'dot');
  add('{}^{\\prime}', '\\prime', 'prime');
  // Two primes touch in heavy print and read as an H: their fused shape is a symbol of its own.
  add('{}^{\\prime\\prime}', '\\prime \\prime', 'prime');
  for (const o of OPEN) add(o, o, 'open');
  for (const c of CLOSE) add(c, c, 'close');
  for (const f of FENCE) add(f, f, 'fence');
  for (const d of [...OPEN, ...CLOSE, ...FENCE]) {
    const kind: SymbolKind = OPEN.includes(d) ? 'open' : CLOSE.includes(d) ? 'close' : 'fence';
    for (const size of DELIM_SIZES) add(`${size}${d === '|' ? '|' : d}`, d, kind);
    for (const em of STRETCH_EM) {
      const strut = `\\rule{0pt}{${(em * 0.62).toFixed(2)}em}`;
      const rendered = kind === 'close' ? `\\left.${strut}\\right${d}` : `\\left${d}${strut}\\right.`;
      add(rendered, d, kind);
    }
  }
  for (const op of BIGOPS) {
    add(op, op, 'bigop', false);
    add(op, op, 'bigop', true);
  }
  for (const op of INTEGRALS) {
    add(op, op, 'integral', false);
    add(op, op, 'integral', true);
  }
  for (const a of ACCENTS) add(`\\${a}{}`, `\\${a}`, 'accent');
  // Small print fuses the letters of a name (`exp` reads as \infty, `ln` as h): whole names too,
  // compared only by segment/words.ts (fused italic letters resemble words as well).
  for (const name of FUNCTION_NAMES) add(`\\${name}`, `\\${name}`, 'word');
  return out;
}

let cached: SymbolSpec[] | undefined;
export function vocabulary(): SymbolSpec[] {
  cached ??= specs();
  return cached;
}

/** Tokens that read as a function name when set upright (`\sin`, `\lim` ...). */
export const FUNCTION_NAMES = ['arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'coth', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'log', 'ln', 'exp', 'lim', 'max', 'min', 'sup', 'inf', 'det', 'dim', 'ker', 'deg', 'arg', 'gcd', 'hom', 'lg', 'Pr'];
/** Function names that take limits below in display style. */
export const LIMIT_FUNCTIONS = new Set(['lim', 'max', 'min', 'sup', 'inf', 'det', 'gcd', 'Pr']);

const RARE = new Set(['\\bullet', '\\lceil', '\\rceil', '\\lfloor', '\\rfloor', '\\S', '\\clubsuit', '\\wp', '\\aleph', '\\Re', '\\Im', '\\jmath', '\\imath', '\\iota', '\\varpi', '\\varsigma', '\\varrho', '\\oint', '\\iint', '\\coprod', '\\models', '\\vdash', '\\backslash', '\\&', '\\#', '\\%', '\\angle', '\\triangle', '\\mapsto', '\\breve', '\\acute', '\\grave', '\\check', '\\bigvee', '\\bigwedge', '\\ni', '\\wp', '?', '!']);

/**
 * A small score bias per label: bold and calligraphic letters and rare symbols must match clearly
 * better than a common reading to win (printed ink is heavy, so regular glyphs often look bold).
 */
export function labelPrior(label: string): number {
  if (label.startsWith('\\mathbf')) return -0.05;
  // Upright single letters are mostly parts of words (\mathrm{Tr}, function names) or `e`, `d`.
  if (label === '\\mathrm { l }') return -0.04;
  if (label === '\\mathrm { I }') return -0.02;
  if (label.startsWith('\\mathrm')) return -0.012;
  if (label === '\\langle' || label === '\\rangle' || label === '\\{' || label === '\\}') return -0.015;
  if (label.startsWith('\\mathcal')) return -0.012;
  if (RARE.has(label)) return -0.03;
  return 0;
}
