/**
 * LaTeX normalisation for comparing formulas (im2latex style): tokenise, drop spacing and sizing
 * (`\,` `\quad` `\hspace{..}` `\left` `\big` ...), unify style switches (`{\rm x}` = `\mathrm{x}`,
 * `\bf` = `\mathbf`, `\cal` = `\mathcal`, `\operatorname{sin}` = `\sin`), unify synonyms (`\to`,
 * `\le`, `\lbrace`, `\ldots` = `. . .`), brace every argument and script, drop braces that group
 * nothing, put subscripts before superscripts. Both the recogniser's output and ground truth go
 * through it, so two spellings of one picture compare equal.
 */
import { FUNCTION_NAMES } from '../templates/vocabulary';

export function tokenizeLatex(latex: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < latex.length) {
    const c = latex[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '\\') {
      const env = /^\\(begin|end)\s*\{([a-zA-Z*]+)\}/.exec(latex.slice(i));
      if (env) {
        tokens.push(`\\${env[1]}{${env[2]}}`);
        i += env[0].length;
        continue;
      }
      const m = /^\\[a-zA-Z]+\*?/.exec(latex.slice(i));
      if (m) {
        tokens.push(m[0]);
        i += m[0].length;
      } else {
        tokens.push(latex.slice(i, i + 2));
        i += 2;
      }
      continue;
    }
    tokens.push(c);
    i++;
  }
  return tokens;
}

const SPACING = new Set(['\\,', '\\;', '\\:', '\\!', '\\ ', '~', '\\quad', '\\qquad', '\\enspace', '\\thinspace', '\\medspace', '\\thickspace', '\\negthinspace', '\\negmedspace', '\\negthickspace', '\\displaystyle', '\\textstyle', '\\scriptstyle', '\\scriptscriptstyle', '\\limits', '\\nolimits', '\\nonumber', '\\notag', '\\strut', '\\/']);
const SPACING_WITH_ARG = new Set(['\\hspace', '\\hspace*', '\\vspace', '\\vspace*', '\\hskip', '\\kern', '\\mkern', '\\label', '\\phantom', '\\hphantom', '\\vphantom', '\\mathstrut']);
const SIZING = new Set(['\\left', '\\right', '\\middle', '\\big', '\\Big', '\\bigg', '\\Bigg', '\\bigl', '\\Bigl', '\\biggl', '\\Biggl', '\\bigr', '\\Bigr', '\\biggr', '\\Biggr', '\\bigm', '\\Bigm', '\\biggm', '\\Biggm']);
const SYNONYMS: Record<string, string[]> = {
  '\\to': ['\\rightarrow'], '\\le': ['\\leq'], '\\ge': ['\\geq'], '\\ne': ['\\neq'], '\\lbrace': ['\\{'], '\\rbrace': ['\\}'], '\\lbrack': ['['], '\\rbrack': [']'],
  '\\vert': ['|'], '\\Vert': ['\\|'], '\\lvert': ['|'], '\\rvert': ['|'], '\\lVert': ['\\|'], '\\rVert': ['\\|'], '\\mid': ['|'], '\\ldots': ['.', '.', '.'], '\\dots': ['.', '.', '.'],
  '\\cdots': ['\\cdot', '\\cdot', '\\cdot'], '\\colon': [':'], '\\land': ['\\wedge'], '\\lor': ['\\vee'], '\\gets': ['\\leftarrow'], '\\owns': ['\\ni'], '\\leqslant': ['\\leq'], '\\geqslant': ['\\geq'],
  '\\neg': ['\\lnot'], '\\vartriangle': ['\\triangle'], '\\emptyset': ['\\emptyset'], '\\varnothing': ['\\emptyset'], '\\rightarrow': ['\\rightarrow'], '\\longrightarrow': ['\\longrightarrow'], '\\lt': ['<'], '\\gt': ['>'], '\\ast': ['*'],
  '\\dag': ['\\dagger'], '\\textstyle': [], '\\bot': ['\\perp'],
};
const SWITCHES: Record<string, string> = { '\\rm': 'mathrm', '\\bf': 'mathbf', '\\cal': 'mathcal', '\\it': 'mathit', '\\sf': 'mathsf', '\\tt': 'mathtt', '\\mit': 'mathit', '\\boldmath': 'mathbf' };
const STYLE_COMMANDS: Record<string, string> = {
  '\\mathrm': 'mathrm', '\\mathbf': 'mathbf', '\\mathcal': 'mathcal', '\\mathit': 'mathit', '\\mathsf': 'mathsf', '\\mathtt': 'mathtt', '\\boldsymbol': 'mathbf', '\\bm': 'mathbf', '\\pmb': 'mathbf',
  '\\textrm': 'mathrm', '\\text': 'mathrm', '\\mbox': 'mathrm', '\\textbf': 'mathbf', '\\textit': 'mathit', '\\operatorname': 'mathrm', '\\operatorname*': 'mathrm', '\\mathop': 'mathrm', '\\hbox': 'mathrm', '\\rlap': '', '\\llap': '',
  '\\mathbb': 'mathbb', '\\mathfrak': 'mathfrak', '\\mathscr': 'mathcal',
};
const ONE_ARG = new Set(['\\sqrt', '\\hat', '\\bar', '\\vec', '\\tilde', '\\dot', '\\ddot', '\\check', '\\breve', '\\acute', '\\grave', '\\overline', '\\underline', '\\widehat', '\\widetilde', '\\overrightarrow', '\\overleftarrow', '\\underbrace', '\\overbrace', '\\not', '\\boxed', '\\mathring']);
const TWO_ARGS = new Set(['\\frac', '\\dfrac', '\\tfrac', '\\binom', '\\stackrel', '\\overset', '\\underset', '\\cfrac']);
const FRAC_SYNONYMS: Record<string, string> = { '\\dfrac': '\\frac', '\\tfrac': '\\frac', '\\cfrac': '\\frac' };
const FUNCTIONS = new Set(FUNCTION_NAMES.concat(['Tr', 'tr', 'Re', 'Im', 'sgn', 'erf', 'mod', 'rank', 'diag', 'cosec', 'arg']));
const KNOWN_COMMAND_FUNCTIONS = new Set(FUNCTION_NAMES.map((f) => `\\${f}`));

type Item = string | Item[];

/** Parses tokens into nested brace groups; unbalanced braces are closed or ignored. */
function toTree(tokens: string[]): Item[] {
  const root: Item[] = [];
  const stack: Item[][] = [root];
  for (const t of tokens) {
    if (t === '{') {
      const g: Item[] = [];
      stack[stack.length - 1]!.push(g);
      stack.push(g);
    } else if (t === '}') {
      if (stack.length > 1) stack.pop();
    } else stack[stack.length - 1]!.push(t);
  }
  return root;
}

interface Atom {
  /** Normalised tokens of one atom (a symbol, or a command with its braced arguments). */
  tokens: string[];
  /** Style of a styled single letter/digit, to merge runs like \mathrm { T r }. */
  style?: string;
  char?: string;
}

export function normalizeLatex(latex: string): string[] {
  return flatten(normaliseGroup(toTree(tokenizeLatex(latex)), undefined));
}

function flatten(atoms: Atom[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < atoms.length) {
    const a = atoms[i]!;
    if (a.style && a.char !== undefined) {
      const run: string[] = [];
      let j = i;
      while (j < atoms.length && atoms[j]!.style === a.style && atoms[j]!.char !== undefined) run.push(atoms[j++]!.char!);
      const word = run.join('');
      if (a.style === 'mathrm' && FUNCTIONS.has(word) && FUNCTION_NAMES.includes(word)) out.push(`\\${word}`);
      else out.push(`\\${a.style}`, '{', ...run, '}');
      i = j;
      continue;
    }
    out.push(...a.tokens);
    i++;
  }
  return out;
}

function braced(atoms: Atom[]): string[] {
  return ['{', ...flatten(atoms), '}'];
}

/** Normalises a sequence of items under an inherited style (from \rm-like switches). */
function normaliseGroup(items: Item[], style: string | undefined): Atom[] {
  const atoms: Atom[] = [];
  let current = style;
  let i = 0;
  const next = (): Item | undefined => items[i++];
  const argument = (): Atom[] => {
    const item = next();
    if (item === undefined) return [];
    return Array.isArray(item) ? normaliseGroup(item, current) : normaliseGroup([item], current);
  };
  while (i < items.length) {
    const item = next()!;
    if (Array.isArray(item)) {
      const inner = normaliseGroup(item, current);
      const following = items[i];
      if (inner.length === 0) {
        if (following === '^' || following === '_') atoms.push({ tokens: ['{', '}'] });
        continue;
      }
      // Braces around several atoms that take a script keep their grouping; others dissolve.
      if (inner.length > 1 && (following === '^' || following === '_')) atoms.push({ tokens: braced(inner) });
      else atoms.push(...inner);
      continue;
    }
    const t = item;
    if (SPACING.has(t)) continue;
    if (SPACING_WITH_ARG.has(t)) {
      next();
      continue;
    }
    if (SIZING.has(t)) {
      if (items[i] === '.') i++;
      else if (items[i] === '<' || items[i] === '>') items[i] = items[i] === '<' ? '\\langle' : '\\rangle';
      continue;
    }
    if (SWITCHES[t]) {
      current = SWITCHES[t] === 'mathit' ? undefined : SWITCHES[t];
      continue;
    }
    if (t in STYLE_COMMANDS) {
      const s = STYLE_COMMANDS[t]!;
      const saved = current;
      current = s === '' || s === 'mathit' ? saved : s;
      const arg = argument();
      current = saved;
      atoms.push(...arg);
      continue;
    }
    if (t === '^' || t === '_') {
      const arg = argument();
      atoms.push({ tokens: [t, ...braced(arg)] });
      continue;
    }
    if (t === "'") {
      atoms.push({ tokens: ['^', '{', '\\prime', '}'] });
      continue;
    }
    if (TWO_ARGS.has(t)) {
      const a = argument();
      const b = argument();
      atoms.push({ tokens: [FRAC_SYNONYMS[t] ?? t, ...braced(a), ...braced(b)] });
      continue;
    }
    if (t === '\\sqrt' && items[i] === '[') {
      i++;
      const index: Item[] = [];
      while (i < items.length && items[i] !== ']') index.push(items[i++]!);
      i++;
      const body = argument();
      atoms.push({ tokens: ['\\sqrt', '[', ...flatten(normaliseGroup(index, current)), ']', ...braced(body)] });
      continue;
    }
    if (ONE_ARG.has(t)) {
      const a = argument();
      atoms.push({ tokens: [t, ...braced(a)] });
      continue;
    }
    if (t.startsWith('\\begin{')) {
      atoms.push(...normaliseEnvironment(t, items, i, current, (n) => (i = n)));
      continue;
    }
    if (SYNONYMS[t]) {
      for (const s of SYNONYMS[t]) atoms.push({ tokens: [s] });
      continue;
    }
    if (current && current !== 'mathit' && /^[A-Za-z]$/.test(t)) {
      atoms.push({ tokens: [`\\${current}`, '{', t, '}'], style: current, char: t });
      continue;
    }
    if (current === 'mathbf' && /^[0-9]$/.test(t)) {
      atoms.push({ tokens: ['\\mathbf', '{', t, '}'], style: current, char: t });
      continue;
    }
    atoms.push({ tokens: [t] });
  }
  return reorderScripts(atoms);
}

/** `x ^ { a } _ { b }` becomes `x _ { b } ^ { a }`. */
function reorderScripts(atoms: Atom[]): Atom[] {
  for (let k = 0; k + 1 < atoms.length; k++) {
    if (atoms[k]!.tokens[0] === '^' && atoms[k + 1]!.tokens[0] === '_') {
      const tmp = atoms[k]!;
      atoms[k] = atoms[k + 1]!;
      atoms[k + 1] = tmp;
    }
  }
  return atoms;
}

const MATRIX_ENVS: Record<string, [string, string]> = { matrix: ['', ''], pmatrix: ['(', ')'], bmatrix: ['[', ']'], Bmatrix: ['\\{', '\\}'], vmatrix: ['|', '|'], Vmatrix: ['\\|', '\\|'], smallmatrix: ['', ''], array: ['', ''], aligned: ['', ''], cases: ['\\{', ''] };

/** Arrays and matrices become `\begin{array} { c c } a & b \\ c & d \end{array}`. */
function normaliseEnvironment(begin: string, items: Item[], start: number, style: string | undefined, advance: (n: number) => void): Atom[] {
  const name = begin.slice(7, -1);
  let i = start;
  if (name === 'array' && Array.isArray(items[i])) i++;
  const body: Item[] = [];
  let depth = 1;
  while (i < items.length) {
    const it = items[i]!;
    if (typeof it === 'string' && it.startsWith('\\begin{')) depth++;
    if (typeof it === 'string' && it.startsWith('\\end{')) {
      depth--;
      if (depth === 0) break;
    }
    body.push(it);
    i++;
  }
  advance(i + 1);
  const rows: Item[][][] = [[[]]];
  for (const it of body) {
    const row = rows[rows.length - 1]!;
    if (it === '\\\\' || it === '\\cr') rows.push([[]]);
    else if (it === '&') row.push([]);
    else row[row.length - 1]!.push(it);
  }
  while (rows.length > 0 && rows[rows.length - 1]!.every((cell) => cell.length === 0)) rows.pop();
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const [open, close] = MATRIX_ENVS[name] ?? ['', ''];
  const tokens: string[] = [];
  if (open) tokens.push(open);
  tokens.push('\\begin{array}', '{', ...Array<string>(columns).fill('c'), '}');
  rows.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (c > 0) tokens.push('&');
      tokens.push(...flatten(normaliseGroup(cell, style)));
    });
    if (r < rows.length - 1) tokens.push('\\\\');
  });
  tokens.push('\\end{array}');
  if (close) tokens.push(close);
  return [{ tokens }];
}

export { KNOWN_COMMAND_FUNCTIONS };
