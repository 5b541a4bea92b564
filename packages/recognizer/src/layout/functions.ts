/**
 * Function names: a run of adjacent letters on one baseline that spells `sin`, `log`, `lim` ...
 * becomes one `func` unit, read upright even when the classifier hesitated over the style. Only
 * runs that are mostly upright count, so the italic product `s i n` stays three variables.
 */
import { FUNCTION_NAMES } from '../templates/vocabulary';
import type { Box } from '../image/components';
import { kindOf, labelOf, unionOf, type Node, type Sym, type Unit } from './units';

const LETTER = /^(?:\\math(rm|bf) \{ )?([A-Za-z0-9])(?: \})?$/;
/** Glyphs that differ from a lower-case letter only by size (or not at all, at low resolution). */
const FOLD: Record<string, string> = { O: 'o', '0': 'o', S: 's', C: 'c', X: 'x', V: 'v', W: 'w', Z: 'z', '1': 'l', I: 'l', U: 'u' };

interface Letter {
  chars: Set<string>;
  upright: boolean;
}

/** The letters a unit may be (its close candidates, case-folded), and whether it looks upright. */
function letterOf(u: Unit): Letter | undefined {
  if (u.node.t !== 'sym') return undefined;
  const chars = new Set<string>();
  let upright = false;
  const top = u.node.sym.cands[0]?.score ?? 0;
  for (const cand of u.node.sym.cands.slice(0, 4)) {
    if (cand.score < top - 0.08) break;
    const m = LETTER.exec(cand.label);
    if (!m) continue;
    const c = m[2]!;
    chars.add(c);
    if (FOLD[c]) chars.add(FOLD[c]);
    if (m[1] || /[0-9]/.test(c)) upright = true;
  }
  return chars.size > 0 ? { chars, upright } : undefined;
}

function adjacent(a: Unit, b: Unit): boolean {
  const em = Math.max(a.em, b.em);
  const gap = b.box.x - (a.box.x + a.box.w);
  if (gap > 0.3 * em || gap < -0.15 * em) return false;
  if (Math.abs(a.axis - b.axis) <= 0.2 * em && a.em / b.em > 0.75 && a.em / b.em < 1.33) return true;
  return sameLineBoxes(a.box, b.box);
}

/**
 * Letters of one word by their boxes alone: tops or bottoms aligned, mostly overlapping. The em
 * and axis of a unit come from its best reading, which is wrong for a lower-case `o` or `s` read
 * as the capital of the same shape (the word `cos` would fall apart into `c` with scripts).
 */
function sameLineBoxes(a: Box, b: Box): boolean {
  const h = Math.max(a.h, b.h);
  const overlap = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const aligned = Math.abs(a.y - b.y) <= 0.15 * h || Math.abs(a.y + a.h - (b.y + b.h)) <= 0.15 * h;
  return aligned && overlap >= 0.6 * Math.min(a.h, b.h);
}

export function mergeFunctionNames(units: Unit[]): Unit[] {
  const sorted = [...units].sort((a, b) => a.box.x - b.box.x);
  const out: Unit[] = [];
  const taken = new Set<number>();
  for (let i = 0; i < sorted.length; i++) {
    if (taken.has(i)) continue;
    const whole = sorted[i]!.node;
    if (whole.t === 'sym' && kindOf(whole.sym) === 'word') {
      // A name read in one piece by its template (segment/words.ts).
      out.push({ ...sorted[i]!, node: { t: 'func', name: labelOf(whole.sym).slice(1), syms: [whole.sym] }, reliable: true });
      continue;
    }
    const match = matchAt(sorted, i) ?? operatorWordAt(sorted, i);
    if (match) {
      const parts = match.indices.map((k) => sorted[k]!);
      for (const k of match.indices) taken.add(k);
      const syms = parts.map((p) => (p.node as { sym: Sym }).sym);
      const em = Math.max(...parts.map((p) => p.em));
      const node: Node = { t: 'func', name: match.name, syms, ...(match.operator ? { operator: true } : {}) };
      out.push({ node, box: unionOf(parts.map((p) => p.box)), axis: parts[0]!.axis, em, reliable: true });
    } else out.push(sorted[i]!);
  }
  return out;
}

/** Indices of the run of adjacent letters starting at `start` (limits under `lim` are skipped). */
function letterRun(units: Unit[], start: number): number[] {
  const run = [start];
  let last = units[start]!;
  for (let k = start + 1; k < units.length && run.length < 6; k++) {
    const u = units[k]!;
    if (u.box.x > last.box.x + last.box.w + 0.4 * last.em) break;
    if (adjacent(last, u) && letterOf(u)) {
      run.push(k);
      last = u;
    }
  }
  return run;
}

interface WordMatch {
  name: string;
  indices: number[];
  /** A word of no known name, set as an operator (`\operatorname*`). */
  operator?: boolean;
}

function matchAt(units: Unit[], start: number): WordMatch | undefined {
  if (!letterOf(units[start]!)) return undefined;
  const run = letterRun(units, start);
  const letters = run.map((k) => letterOf(units[k]!)!);
  for (const name of FUNCTION_NAMES) {
    if (name.length > letters.length) continue;
    const word = letters.slice(0, name.length);
    if (!word.every((l, k) => l.chars.has(name[k]!))) continue;
    const upright = word.filter((l) => l.upright).length;
    if (upright * 2 >= name.length) return { name, indices: run.slice(0, name.length) };
  }
  return undefined;
}

/** An upright letter reading. */
const UPRIGHT_LETTER = /^\\mathrm \{ ([A-Za-z]) \}$/;

/**
 * A word of upright letters with a limit centred right below it, as `\operatorname*{argmax}`
 * sets it in display style: no known name, but the limit below says it is one operator. The
 * limit must start under the word's baseline and be smaller than the word, so a subscript
 * (`\mathrm{Tr}_{A}`, beside the word and reaching above its bottom) is not taken for one.
 */
function operatorWordAt(units: Unit[], start: number): WordMatch | undefined {
  const run = letterRun(units, start);
  if (run.length < 2) return undefined;
  const chars: string[] = [];
  for (const k of run) {
    const u = units[k]!;
    if (u.node.t !== 'sym') return undefined;
    const top = u.node.sym.cands[0]?.score ?? 0;
    const upright = u.node.sym.cands.slice(0, 4).find((c) => c.score >= top - 0.08 && UPRIGHT_LETTER.test(c.label));
    if (!upright) return undefined;
    chars.push(UPRIGHT_LETTER.exec(upright.label)![1]!);
  }
  const parts = run.map((k) => units[k]!);
  const box = unionOf(parts.map((p) => p.box));
  const em = Math.max(...parts.map((p) => p.em));
  const bottom = box.y + box.h;
  const below = units.some((u, k) => {
    if (run.includes(k)) return false;
    const cx = u.box.x + u.box.w / 2;
    return u.box.y >= bottom && u.box.y - bottom < 0.6 * em && cx > box.x && cx < box.x + box.w && u.box.h < 0.8 * box.h;
  });
  return below ? { name: chars.join(''), indices: run, operator: true } : undefined;
}
