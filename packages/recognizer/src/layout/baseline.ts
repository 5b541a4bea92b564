/**
 * The baseline pass. A region's main line is found first: the math axis shared by most of its
 * ink, weighted by size, so a raised `2` or a lowered `+` cannot pose as the line. Units on that
 * axis (at about the line's size, or operators and delimiters of any size) are the line; every
 * other unit is a script of the line unit before it, above or below by the side of the axis it
 * sits on. Script regions are parsed recursively, so `e^{x_i}` and `q^{a_{1}}` nest. Primes always
 * attach as superscripts.
 */
import { sizeDelimiters } from './fences';
import { placeMarks } from './marks';
import { kindOf, labelOf, type Node, type Unit } from './units';

export type Parse = (units: Unit[], em: number) => Node[];

/** Axis offsets (in the line's em) below which a unit sits on the line. TeX raises a superscript's
 * axis by ~0.29 em and lowers a subscript's by ~0.22 em, so the gap is wide. */
const ON_LINE = 0.12;
const NEAR_LINE = 0.2;
/** Below this size ratio a unit near the axis is a script (scripts are 0.7 and 0.5; pdflatex's
 * optical sizes make them look ~0.8). */
const LINE_SIZE = 0.86;
const CENTRED_KINDS = new Set(['bin', 'rel', 'punct', 'open', 'close', 'fence', 'dot', 'bigop', 'integral']);

function isPrime(u: Unit): boolean {
  return u.node.t === 'sym' && kindOf(u.node.sym) === 'prime';
}

function kindOfUnit(u: Unit): string {
  return u.node.t === 'sym' ? kindOf(u.node.sym) : u.node.t;
}

/** Borrows a size for flat units (dots, commas) from the reliable neighbour at their height. */
export function borrowEm(units: Unit[], fallback: number): void {
  for (const u of units) {
    if (u.reliable) continue;
    let best: Unit | undefined;
    let bestGap = Infinity;
    for (const v of units) {
      if (!v.reliable || v === u) continue;
      const gap = Math.max(v.box.x - (u.box.x + u.box.w), u.box.x - (v.box.x + v.box.w), 0);
      const vertical = u.box.y + u.box.h >= v.box.y - 0.1 * v.em && u.box.y <= v.box.y + v.box.h + 0.3 * v.em;
      if (vertical && gap < bestGap && gap < 1.2 * v.em) {
        best = v;
        bestGap = gap;
      }
    }
    const em = best ? best.em : fallback;
    if (u.node.t === 'sym' && !u.centred) {
      const meta = u.node.sym.cands[0]?.template;
      if (meta && u.node.sym.shape !== 'rule') {
        const baseline = u.box.y + u.box.h + meta.bottom * em;
        u.axis = baseline - 0.25 * em;
      }
    }
    u.em = em;
  }
}

/** The axis most of the region's ink agrees on, and the size of the units on it. */
export function mainLine(units: Unit[], regionEm: number): { axis: number; em: number } {
  const weight = (u: Unit): number => {
    const kind = kindOfUnit(u);
    // Punctuation says little about the line: a comma or dot of a subscript is as small as its
    // letters, and counting it as a full-size centred unit let `x_{i,j}` hang x on the i, j line.
    const mark = kind === 'punct' || kind === 'dot';
    const size = u.reliable && !mark ? Math.min(1.5, Math.max(0.3, u.em / regionEm)) : 0.5;
    const centred = !mark && (u.centred || CENTRED_KINDS.has(kind) || u.node.t === 'frac') ? 1.5 : 1;
    // Size counts steeply: two script units must not outweigh the one base they hang on.
    return size ** 4 * centred * (isPrime(u) ? 0 : 1);
  };
  const band = 0.14 * regionEm;
  let best = units[0]!.axis;
  let bestScore = -1;
  // A script hangs on a base to its left, so the first unit counts twice: the long subscript of
  // `\delta_{p+k,0}` must not outvote the one base it hangs on.
  const leftmost = units.reduce((a, b) => (b.box.x < a.box.x ? b : a));
  // (Only a first unit of about the largest size: `{}^{\circ}D` starts with a script.)
  const largest = Math.max(...units.filter((u) => u.reliable).map((u) => u.em));
  const first = leftmost.reliable && leftmost.em >= 0.85 * largest ? leftmost : undefined;
  for (const c of units) {
    let score = 0;
    for (const u of units) {
      const x = (u.axis - c.axis) / band;
      if (Math.abs(x) < 1) score += weight(u) * (1 - x * x) * (u === first ? 2 : 1);
    }
    if (score > bestScore) {
      bestScore = score;
      best = c.axis;
    }
  }
  // Refined as the weighted mean of the units within the band.
  let sum = 0;
  let total = 0;
  const ems: number[] = [];
  for (const u of units) {
    if (Math.abs(u.axis - best) > band) continue;
    const w = weight(u);
    sum += w * u.axis;
    total += w;
    if (u.reliable) ems.push(u.em);
  }
  ems.sort((a, b) => a - b);
  const em = ems.length > 0 ? ems[Math.floor(ems.length * 0.6)]! : regionEm;
  return { axis: total > 0 ? sum / total : best, em: Math.max(em, 0.6 * regionEm) };
}

function onLine(u: Unit, axis: number, em: number): boolean {
  if (isPrime(u)) return false;
  const off = Math.abs(u.axis - axis) / em;
  const kind = kindOfUnit(u);
  // A fraction on the line sits on its axis whatever the size of its parts (a fraction nested in
  // a denominator has parts a size smaller than the line it stands on).
  const sizeless = !u.reliable || u.centred || CENTRED_KINDS.has(kind) || kind === 'frac';
  const ratio = u.em / em;
  if (off < ON_LINE) return sizeless || ratio > 0.72;
  if (off < NEAR_LINE) return !sizeless && ratio > LINE_SIZE;
  return false;
}

export function parseLine(units: Unit[], regionEm: number, parse: Parse): Node[] {
  const sorted = [...units].sort((a, b) => a.box.x - b.box.x);
  if (sorted.length === 0) return [];
  const line = mainLine(sorted, regionEm);
  placeMarks(sorted, line.axis, line.em);
  sizeDelimiters(sorted, line.em);
  const out: Node[] = [];
  let base: Node | undefined;
  let sup: Unit[] = [];
  let sub: Unit[] = [];
  let baseEm = line.em;
  const flush = (): void => {
    if (sup.length === 0 && sub.length === 0) {
      if (base) out.push(base);
    } else {
      const scriptEm = baseEm * 0.7;
      out.push({ t: 'scripts', base: base ?? { t: 'group', body: [] }, sup: parse(sup, emOf(sup, scriptEm)), sub: parse(sub, emOf(sub, scriptEm)) });
    }
    base = undefined;
    sup = [];
    sub = [];
  };
  const lineUnits = new Set(sorted.filter((u) => onLine(u, line.axis, line.em)));
  if (lineUnits.size === 0) {
    // Every region has a line: the unit nearest the axis, so the recursion always shrinks.
    const nearest = [...sorted].sort((a, b) => Number(isPrime(a)) - Number(isPrime(b)) || Math.abs(a.axis - line.axis) - Math.abs(b.axis - line.axis))[0]!;
    lineUnits.add(nearest);
  }
  for (const u of sorted) {
    // Primes in a row are one mark (`''` is `\prime \prime`), not a prime on a prime.
    const afterPrime = base?.t === 'sym' && kindOf(base.sym) === 'prime' && sup.length === 0 && sub.length === 0;
    if (lineUnits.has(u) || (isPrime(u) && afterPrime)) {
      flush();
      base = u.node;
      baseEm = u.reliable ? Math.max(u.em, 0.8 * line.em) : line.em;
      continue;
    }
    const d = (line.axis - u.axis) / line.em;
    let side: 'sup' | 'sub' = d > 0 ? 'sup' : 'sub';
    if (isPrime(u)) side = 'sup';
    else if (Math.abs(d) < 0.1) {
      // Near the axis but script-sized: a script of a script; it joins the group to its left.
      const last = [...sup, ...sub].sort((a, b) => b.box.x - a.box.x)[0];
      if (last) side = sup.includes(last) ? 'sup' : 'sub';
    }
    (side === 'sup' ? sup : sub).push(u);
  }
  flush();
  return out;
}

function emOf(units: Unit[], fallback: number): number {
  const ems = units.filter((u) => u.reliable).map((u) => u.em).sort((a, b) => a - b);
  return ems.length > 0 ? ems[Math.floor(ems.length / 2)]! : fallback;
}

export { labelOf };
