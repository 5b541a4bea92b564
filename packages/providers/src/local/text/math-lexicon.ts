/**
 * The symbols the math tokenizer knows: Unicode math characters and their LaTeX, Greek letters,
 * superscript and subscript digits, and the English words that look like point names when
 * written in capitals. Data only; the rules that use it live in math-tokens.ts.
 */

/** Binary operators and relations, as OCR returns them, to LaTeX. */
export const OPERATOR_LATEX: Readonly<Record<string, string>> = {
  '=': '=',
  '<': '<',
  '>': '>',
  '<=': '\\le',
  '>=': '\\ge',
  '!=': '\\neq',
  '≤': '\\le',
  '≥': '\\ge',
  '≠': '\\neq',
  '≈': '\\approx',
  '≅': '\\cong',
  '∼': '\\sim',
  '~': '\\sim',
  '+': '+',
  '-': '-',
  '−': '-',
  '–': '-',
  '—': '-',
  '×': '\\times',
  '÷': '\\div',
  '±': '\\pm',
  '·': '\\cdot',
  '→': '\\to',
  '∥': '\\parallel',
  '⊥': '\\perp',
  '∈': '\\in',
};

/** Characters that are always math when they appear in a word. */
export const SYMBOL_LATEX: Readonly<Record<string, string>> = {
  '∠': '\\angle ',
  '△': '\\triangle ',
  '⊙': '\\odot ',
  '√': '\\sqrt',
  '∞': '\\infty',
  '°': '^{\\circ}',
  '∑': '\\sum',
  '∫': '\\int',
  '∂': '\\partial',
};

export const GREEK_LATEX: Readonly<Record<string, string>> = {
  α: '\\alpha', β: '\\beta', γ: '\\gamma', δ: '\\delta', ε: '\\epsilon', ζ: '\\zeta', η: '\\eta',
  θ: '\\theta', ι: '\\iota', κ: '\\kappa', λ: '\\lambda', μ: '\\mu', ν: '\\nu', ξ: '\\xi',
  π: '\\pi', ρ: '\\rho', σ: '\\sigma', τ: '\\tau', υ: '\\upsilon', φ: '\\phi', χ: '\\chi',
  ψ: '\\psi', ω: '\\omega',
  Γ: '\\Gamma', Δ: '\\Delta', Θ: '\\Theta', Λ: '\\Lambda', Ξ: '\\Xi', Π: '\\Pi', Σ: '\\Sigma',
  Φ: '\\Phi', Ψ: '\\Psi', Ω: '\\Omega',
};

export const SUPERSCRIPT_DIGITS: Readonly<Record<string, string>> = {
  '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9', '⁺': '+', '⁻': '-', 'ⁿ': 'n',
};

export const SUBSCRIPT_DIGITS: Readonly<Record<string, string>> = {
  '₀': '0', '₁': '1', '₂': '2', '₃': '3', '₄': '4', '₅': '5', '₆': '6', '₇': '7', '₈': '8', '₉': '9',
};

/**
 * Glyphs tesseract's English model returns for the circle operator `⊙` (it has no such glyph):
 * copyright and registered signs, `@`, and a capital theta.
 */
export const ODOT_MISREADS = new Set(['©', '®', '@', 'Θ', '⊙']);

/** Words after which a letter `O` glued to a capital is the circle operator: "In OX", "of OP". */
export const ODOT_CONTEXT_WORDS = new Set(['in', 'of', 'on', 'circle', 'circles']);

/**
 * Capitalised words that are English, not point names. Single `A` and `I` are handled apart
 * (article and pronoun unless next to an operator).
 */
export const CAPITAL_WORDS = new Set([
  'AN', 'AS', 'AT', 'BE', 'BY', 'DO', 'GO', 'HE', 'IF', 'IN', 'IS', 'IT', 'ME', 'MY', 'NO', 'OF', 'OK', 'ON', 'OR', 'SO', 'TO', 'UP', 'US', 'WE',
  'ALL', 'AND', 'ANY', 'ARE', 'BUT', 'CAN', 'FOR', 'HAS', 'HOW', 'ITS', 'NOT', 'ONE', 'OUT', 'SEE', 'THE', 'TWO', 'USE', 'WAS', 'WHY', 'YES', 'YOU',
  'EACH', 'FIND', 'FROM', 'GIVE', 'HAVE', 'NOTE', 'ONLY', 'SHOW', 'THAT', 'THEN', 'THIS', 'WHAT', 'WHEN', 'WITH', 'TRUE', 'STEP', 'PART', 'UNIT',
  'II', 'III', 'IV',
]);

/** Ordinal suffixes: `2nd` is prose, `2x` is math. */
export const ORDINAL_SUFFIXES = new Set(['st', 'nd', 'rd', 'th']);

/** Sentence punctuation that stays outside `$...$`. */
export const TRAILING_PUNCTUATION = /[.,;:!?"'”’]+$/;
export const LEADING_PUNCTUATION = /^["'“‘]+/;
