/**
 * Synthetic formulas: (1) from a small grammar of the constructs the recogniser claims (scripts,
 * fractions, radicals, big operators with limits, fences, function names, accents, matrices,
 * primes), (2) from the shapes of real formulas: the im2latex ground truth with its letters,
 * digits and Greek letters replaced at random, so the structure is real and the symbols new.
 */
import { tokenizeLatex } from '@mpp/recognizer';
import type { Rng } from './rng';

const LETTERS = 'abcdefghijkmnpqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const GREEK = ['\\alpha', '\\beta', '\\gamma', '\\delta', '\\epsilon', '\\theta', '\\lambda', '\\mu', '\\nu', '\\pi', '\\rho', '\\sigma', '\\tau', '\\phi', '\\varphi', '\\psi', '\\omega', '\\xi', '\\eta', '\\chi', '\\Gamma', '\\Delta', '\\Lambda', '\\Phi', '\\Psi', '\\Omega', '\\Sigma'];
const BIN = ['+', '-', '+', '-', '\\pm', '\\times', '\\cdot'];
const REL = ['=', '=', '=', '<', '>', '\\leq', '\\geq', '\\neq', '\\approx', '\\equiv', '\\sim', '\\rightarrow', '\\in'];
const FUNCS = ['\\sin', '\\cos', '\\log', '\\exp', '\\ln', '\\tan'];
const ACCENTS = ['\\hat', '\\bar', '\\tilde', '\\vec', '\\dot'];
const BIGOPS = ['\\sum', '\\prod', '\\int'];

function atom(r: Rng): string {
  const x = r.next();
  if (x < 0.5) return r.pick(LETTERS);
  if (x < 0.72) return String(r.int(0, 9));
  if (x < 0.9) return r.pick(GREEK);
  if (x < 0.95) return `\\mathrm{${r.pick(LETTERS)}}`;
  if (x < 0.98) return `\\mathbf{${r.pick(LETTERS)}}`;
  return `\\mathcal{${r.pick('ABCDEFGHLMNOPRSTU'.split(''))}}`;
}

function scriptContent(r: Rng, depth: number): string {
  const x = r.next();
  if (x < 0.55) return atom(r);
  if (x < 0.75) return `${atom(r)}${r.pick(['+', '-', ','])}${atom(r)}`;
  if (x < 0.85) return `-${atom(r)}`;
  if (x < 0.92 || depth <= 0) return `${atom(r)}${atom(r)}`;
  return term(r, depth - 1);
}

function term(r: Rng, depth: number): string {
  const x = r.next();
  if (depth <= 0 || x < 0.3) return atom(r);
  if (x < 0.42) return `${atom(r)}^{${scriptContent(r, depth - 1)}}`;
  if (x < 0.52) return `${atom(r)}_{${scriptContent(r, depth - 1)}}`;
  if (x < 0.58) return `${atom(r)}_{${scriptContent(r, depth - 1)}}^{${scriptContent(r, depth - 1)}}`;
  if (x < 0.68) return `\\frac{${expr(r, depth - 1, 2)}}{${expr(r, depth - 1, 2)}}`;
  if (x < 0.73) return r.chance(0.75) ? `\\sqrt{${expr(r, depth - 1, 2)}}` : `\\sqrt[${r.pick(['3', 'n', '4'])}]{${expr(r, depth - 1, 2)}}`;
  if (x < 0.78) {
    const op = r.pick(BIGOPS);
    const lower = op === '\\int' ? r.pick(['0', '-\\infty', 'a']) : `${r.pick(['i', 'k', 'n', 'j'])}=${r.int(0, 1)}`;
    const upper = op === '\\int' ? r.pick(['1', '\\infty', 'b']) : r.pick(['n', 'N', '\\infty', 'k']);
    return `${op}_{${lower}}^{${upper}} ${term(r, depth - 1)}`;
  }
  if (x < 0.84) {
    const f = r.pick(FUNCS);
    return r.chance(0.5) ? `${f} ${atom(r)}` : `${f}(${expr(r, depth - 1, 2)})`;
  }
  if (x < 0.86) return `\\lim_{${r.pick(['x', 'n', 't'])} \\rightarrow ${r.pick(['0', '\\infty'])}} ${term(r, depth - 1)}`;
  if (x < 0.92) {
    const inner = expr(r, depth - 1, 3);
    const [o, c] = r.pick([['(', ')'], ['[', ']'], ['\\{', '\\}'], ['|', '|']] as const);
    return /\\frac|\\sum|\\int|\\prod/.test(inner) ? `\\left${o} ${inner} \\right${c}` : `${o}${inner}${c}`;
  }
  if (x < 0.96) return `${r.pick(ACCENTS)}{${r.pick(LETTERS)}}`;
  if (x < 0.975) return `${atom(r)}^{\\prime}`;
  if (x < 0.99) return matrix(r);
  return `${atom(r)}^{\\prime\\prime}`;
}

function matrix(r: Rng): string {
  const rows = r.int(2, 3);
  const cols = r.int(2, 3);
  const body = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (r.chance(0.7) ? atom(r) : `${atom(r)}_{${atom(r)}}`)).join(' & ')).join(' \\\\ ');
  const [o, c] = r.pick([['(', ')'], ['[', ']']] as const);
  return `\\left${o} \\begin{array}{${'c'.repeat(cols)}} ${body} \\end{array} \\right${c}`;
}

function expr(r: Rng, depth: number, maxTerms: number): string {
  const n = r.int(1, maxTerms);
  const parts = [term(r, depth)];
  for (let i = 1; i < n; i++) parts.push(r.pick(BIN), term(r, depth));
  return parts.join(' ');
}

export function grammarFormula(r: Rng): string {
  const lhs = expr(r, 2, 2);
  if (r.chance(0.35)) return expr(r, 2, 4);
  return `${lhs} ${r.pick(REL)} ${expr(r, 2, 3)}${r.chance(0.2) ? ' ,' : ''}`;
}

const LOWER_SET = 'abcdefghijkmnpqrstuvwxyz'.split('');
const UPPER_SET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const GREEK_SET = new Set(GREEK);

/** A real formula's token sequence with its symbols swapped for random ones of the same class. */
export function reshapedFormula(r: Rng, label: string): string {
  const tokens = tokenizeLatex(label);
  const out: string[] = [];
  let inEnvironmentSpec = false;
  for (const t of tokens) {
    if (t === '\\begin{array}') inEnvironmentSpec = true;
    else if (inEnvironmentSpec && t === '}') inEnvironmentSpec = false;
    if (inEnvironmentSpec) out.push(t);
    else if (/^[a-z]$/.test(t) && r.chance(0.7)) out.push(r.pick(LOWER_SET));
    else if (/^[A-Z]$/.test(t) && r.chance(0.7)) out.push(r.pick(UPPER_SET));
    else if (/^[0-9]$/.test(t) && r.chance(0.7)) out.push(String(r.int(0, 9)));
    else if (GREEK_SET.has(t) && r.chance(0.7)) out.push(r.pick(GREEK));
    else out.push(t);
  }
  return out.join(' ');
}
