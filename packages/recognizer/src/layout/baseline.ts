/**
 * The baseline pass: units left to right, each either continuing the current baseline or
 * attaching to the current base as a superscript or subscript, judged by the offset of its math
 * axis from the base's (in the base's em) and by its relative size. Script regions are parsed
 * recursively, so `e^{x_i}` and `\sum_{i=1}^{n}` nest. Primes always attach as superscripts.
 */
import { kindOf, labelOf, type Node, type Unit } from './units';

export type Parse = (units: Unit[], em: number) => Node[];

type Relation = 'next' | 'sup' | 'sub';
/** Below this size ratio to the base a unit is script-sized (scripts are 0.7, 0.5). */
const SCRIPT_RATIO = 0.8;

function isPrime(u: Unit): boolean {
  return u.node.t === 'sym' && kindOf(u.node.sym) === 'prime';
}

function baseKind(u: Unit): string {
  return u.node.t === 'sym' ? kindOf(u.node.sym) : u.node.t;
}

function relation(base: Unit, u: Unit, sup: Unit[], sub: Unit[], regionEm: number): Relation {
  // A base of the region's own size is measured by the region's (robust) em, not its own.
  const ref = base.em > 0.8 * regionEm && base.em < 1.25 * regionEm ? regionEm : base.em;
  const d = (base.axis - u.axis) / ref;
  const r = u.reliable ? u.em / ref : undefined;
  const small = r !== undefined && r < SCRIPT_RATIO;
  const scripts = [...sup, ...sub];
  if (scripts.length > 0) {
    // Inside a script region a unit stays in it unless it is back on the base's band.
    const toBase = Math.abs(u.axis - base.axis);
    const toScript = Math.min(...scripts.map((s) => Math.abs(u.axis - s.axis)));
    if (!small && toBase <= toScript) return 'next';
    if (small || toScript < toBase) return d > 0.05 ? 'sup' : 'sub';
  }
  const kind = baseKind(base);
  // Operators and opening delimiters rarely carry scripts: only a clear offset makes one.
  const reluctant = kind === 'bin' || kind === 'rel' || kind === 'open' || kind === 'punct';
  if (small && !reluctant) {
    if (d > 0.15) return 'sup';
    if (d < -0.1) return 'sub';
    return 'next';
  }
  if (d > 0.45) return 'sup';
  if (d < -0.4) return 'sub';
  return 'next';
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
    if (u.node.t === 'sym') {
      const meta = u.node.sym.cands[0]?.template;
      if (meta && u.node.sym.shape !== 'rule') {
        const baseline = u.box.y + u.box.h + meta.bottom * em;
        u.axis = baseline - 0.25 * em;
      }
    }
    u.em = em;
  }
}

export function parseLine(units: Unit[], regionEm: number, parse: Parse): Node[] {
  const sorted = [...units].sort((a, b) => a.box.x - b.box.x);
  const out: Node[] = [];
  let i = 0;
  while (i < sorted.length) {
    const base = sorted[i]!;
    const sup: Unit[] = [];
    const sub: Unit[] = [];
    let j = i + 1;
    for (; j < sorted.length; j++) {
      const u = sorted[j]!;
      if (isPrime(u) && !isPrime(base)) {
        sup.push(u);
        continue;
      }
      const scripts = [...sup, ...sub];
      // Scripts are contiguous: a unit well right of them, back near the base's axis, is next.
      const right = scripts.length > 0 ? Math.max(...scripts.map((s) => s.box.x + s.box.w)) : base.box.x + base.box.w;
      const far = u.box.x - right > 0.45 * base.em && Math.abs((base.axis - u.axis) / base.em) < 0.2;
      const rel = far ? 'next' : relation(base, u, sup, sub, regionEm);
      if (rel === 'next') break;
      (rel === 'sup' ? sup : sub).push(u);
    }
    if (sup.length === 0 && sub.length === 0) out.push(base.node);
    else out.push({ t: 'scripts', base: base.node, sup: parse(sup, emOf(sup, base.em * 0.7)), sub: parse(sub, emOf(sub, base.em * 0.7)) });
    i = j;
  }
  return out;
}

function emOf(units: Unit[], fallback: number): number {
  const ems = units.filter((u) => u.reliable).map((u) => u.em).sort((a, b) => a - b);
  return ems.length > 0 ? ems[Math.floor(ems.length / 2)]! : fallback;
}

export { labelOf };
