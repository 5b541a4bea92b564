/**
 * Groups a line's classified words into math runs and renders the line as Markdown with inline
 * `$...$`. A run starts at a math atom (or at a number or ambiguous letter that an operator
 * follows) and grows over `operator operand` pairs, so `AB = 30,` becomes `$AB = 30$,`: sentence
 * punctuation ends a run and stays outside it. A lone `⊙` glues to the name after it.
 */
import { classifyWord, type MathToken } from './math-tokens';

export interface MathRun {
  latex: string;
  /** Indices of the words the run covers, in order. */
  words: number[];
}

export interface SegmentedLine {
  markdown: string;
  runs: MathRun[];
  type: 'text' | 'math' | 'mixed';
  /** Every word is in one run that holds an operator: a candidate for display math. */
  equationOnly: boolean;
}

/** An operator inside a single-word run (`2x+3`); a leading sign alone does not count. */
const HAS_OPERATOR = /.[=<>+\-]|\\(le|ge|neq|approx|cong|sim|times|div|pm|cdot)\b/;

const isOperand = (t: MathToken | undefined): boolean => t !== undefined && (t.kind === 'atom' || t.kind === 'num' || t.kind === 'maybe_atom');

/** Markdown outside math: a literal dollar must not open a formula. */
const escapeProse = (text: string): string => text.replace(/\$/g, '\\$');

/**
 * Segments one line. `accents[i]` says whether word i has ink above its capitals (see
 * classifyWord); pass an empty array when unknown.
 */
export function segmentLine(words: readonly string[], accents: readonly boolean[] = []): SegmentedLine {
  const tokens = words.map((text, i) => classifyWord(text, { previous: words[i - 1], lineStart: i === 0, accent: accents[i] ?? false }));
  const runs: MathRun[] = [];
  const runAt = new Map<number, { run: MathRun; lead: string; trail: string }>();
  const covered = new Set<number>();

  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    let parts: string[] | undefined;
    let j = i;
    if (t.kind === 'prefix' && !t.trail && next && /^[A-Z]$/.test(next.core) && !next.lead) {
      parts = [`${t.latex} ${next.latex}`];
      j = i + 1;
    } else if (t.kind === 'atom') {
      parts = [t.latex!];
    } else if ((t.kind === 'num' || t.kind === 'maybe_atom') && !t.trail && next?.kind === 'op' && !next.lead && isOperand(tokens[i + 2])) {
      parts = [t.latex!];
    }
    if (!parts) {
      i++;
      continue;
    }
    for (;;) {
      // `4x —17`: OCR glued the minus to the number; after an operand it is a binary minus.
      const signed = tokens[j + 1];
      if (!tokens[j]!.trail && signed?.kind === 'num' && !signed.lead && /^[-+]\d/.test(signed.latex!)) {
        parts.push(signed.latex![0]!, signed.latex!.slice(1));
        j += 1;
        continue;
      }
      const op = tokens[j + 1];
      const operand = tokens[j + 2];
      if (tokens[j]!.trail || op?.kind !== 'op' || op.lead || op.trail || !isOperand(operand) || operand!.lead) break;
      parts.push(op.latex!, operand!.latex!);
      j += 2;
    }
    // Brackets around the whole run belong to the math: `(x + 3)` -> `$(x + 3)$`.
    let lead = t.lead;
    let trail = tokens[j]!.trail;
    let latex = parts.join(' ');
    const open = lead.slice(-1);
    const close = open === '(' ? ')' : open === '[' ? ']' : '';
    if (close && trail.startsWith(close)) {
      latex = `${open}${latex}${close}`;
      lead = lead.slice(0, -1);
      trail = trail.slice(1);
    }
    const run: MathRun = { latex, words: range(i, j) };
    runs.push(run);
    runAt.set(i, { run, lead, trail });
    for (const k of run.words) covered.add(k);
    i = j + 1;
  }

  const out: string[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const at = runAt.get(k);
    if (at) {
      out.push(`${escapeProse(at.lead)}$${at.run.latex}$${escapeProse(at.trail)}`);
      k = at.run.words[at.run.words.length - 1]!;
    } else {
      out.push(escapeProse(words[k]!.trim()));
    }
  }

  const proseWords = tokens.filter((t, k) => !covered.has(k) && t.core !== '').length;
  const type = runs.length === 0 ? 'text' : proseWords === 0 ? 'math' : 'mixed';
  const only = runs.length === 1 && proseWords === 0 ? runs[0]! : undefined;
  const equationOnly = only !== undefined && (only.words.some((k) => tokens[k]!.kind === 'op') || HAS_OPERATOR.test(only.latex));
  return { markdown: out.filter((s) => s !== '').join(' '), runs, type, equationOnly };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k++) out.push(k);
  return out;
}
