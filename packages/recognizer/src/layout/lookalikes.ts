/**
 * Context for look-alikes. A template match says "round closed loop"; whether that is `o`, `0` or
 * `O` (or `x` / `\times`, `l` / `1` / `|`, `c` / `C`) depends on the size and baseline it implies
 * compared with its neighbours on the same line. Commas and primes, low dots and centred dots
 * differ only by height. Candidates close to the best are re-ranked with those penalties.
 */
import type { Candidate } from '../classify/classifier';
import { AXIS_EM, type Sym, type Unit, symbolUnit } from './units';

const CLOSE_SCORE = 0.09;
const SIZELESS = new Set(['open', 'close', 'fence', 'bigop', 'integral']);
const EM_WEIGHT = 0.3;
const BASELINE_WEIGHT = 0.4;

interface LineRef {
  baseline: number;
  em: number;
}

/** Reliable neighbours overlapping `u` vertically, nearest first, summarised as a baseline. */
function lineReference(u: Unit, units: Unit[]): LineRef | undefined {
  const near = units
    .filter((v) => v !== u && v.reliable && v.node.t === 'sym' && v.node.sym.shape === undefined)
    .filter((v) => Math.min(u.box.y + u.box.h, v.box.y + v.box.h) - Math.max(u.box.y, v.box.y) > 0.3 * Math.min(u.box.h, v.box.h))
    .map((v) => ({ v, gap: Math.max(v.box.x - (u.box.x + u.box.w), u.box.x - (v.box.x + v.box.w), 0) }))
    .filter((n) => n.gap < 2.5 * n.v.em)
    .sort((a, b) => a.gap - b.gap)
    .slice(0, 4);
  if (near.length === 0) return undefined;
  const ems = near.map((n) => n.v.em).sort((a, b) => a - b);
  const em = ems[Math.floor(ems.length / 2)]!;
  // Only neighbours of about that size define the baseline (scripts nearby would bias it).
  const same = near.filter((n) => n.v.em > 0.8 * em && n.v.em < 1.25 * em);
  const baselines = same.map((n) => n.v.axis + AXIS_EM * n.v.em).sort((a, b) => a - b);
  return { baseline: baselines[Math.floor(baselines.length / 2)]!, em };
}

function penalty(sym: Sym, cand: Candidate, ref: LineRef): number {
  const meta = cand.template;
  // Delimiters and big operators come in every size and sit centred on the axis.
  if (SIZELESS.has(meta.kind)) return 0;
  const span = meta.top - meta.bottom;
  const { box } = sym;
  const em = span >= 0.3 ? box.h / span : ref.em;
  const baseline = box.y + box.h + meta.bottom * em;
  // Scripts are 0.7 or 0.5 of the line's size: the nearest admissible level is the reference.
  const ratio = em / ref.em;
  const levelGap = Math.min(...[1, 0.7, 0.5].map((l) => Math.abs(Math.log(ratio / l))));
  // Pixel quantisation alone moves both by ~15% on small glyphs: only what exceeds that counts.
  const sizePenalty = span >= 0.3 ? EM_WEIGHT * Math.max(0, levelGap - 0.15) : 0;
  const onLine = Math.abs(ratio - 1) < 0.2 ? BASELINE_WEIGHT * Math.max(0, Math.min(1, Math.abs(baseline - ref.baseline) / ref.em) - 0.08) : 0;
  return sizePenalty + onLine;
}

export function resolveLookalikes(units: Unit[], fallbackEm: number): Unit[] {
  return units.map((u) => {
    if (u.node.t !== 'sym' || u.node.sym.shape) return u;
    const sym = u.node.sym;
    const top = sym.cands[0];
    if (!top) return u;
    const ref = lineReference(u, units);
    if (!ref) return u;
    const close = sym.cands.filter((c) => c.score >= top.score - CLOSE_SCORE);
    const twin = smallTwin(sym, close, ref);
    if (twin) return reorder(u, sym, twin, fallbackEm);
    const heightPick = byHeight(sym, close, ref);
    if (heightPick) return reorder(u, sym, heightPick, fallbackEm);
    if (close.length < 2) return u;
    const rescored = close.map((c) => ({ c, s: c.score - penalty(sym, c, ref) })).sort((a, b) => b.s - a.s);
    return rescored[0]!.c === top ? u : reorder(u, sym, rescored[0]!.c, fallbackEm);
  });
}

/** Big operators drawn like a binary operator, only larger. */
const SMALL_TWIN: Record<string, string> = { '\\bigotimes': '\\otimes', '\\bigoplus': '\\oplus', '\\bigcup': '\\cup', '\\bigcap': '\\cap', '\\bigvee': '\\vee', '\\bigwedge': '\\wedge' };

/**
 * `\bigotimes` against `\otimes`: the same drawing, and big operators are exempt from the size
 * test, so the size is checked here: a big operator is at least about an em tall (text style),
 * the binary operator well under it.
 */
function smallTwin(sym: Sym, close: Candidate[], ref: LineRef): Candidate | undefined {
  const twin = SMALL_TWIN[close[0]?.label ?? ''];
  if (!twin || sym.box.h >= 0.9 * ref.em) return undefined;
  return close.find((c) => c.label === twin);
}

/** Comma or prime, low dot or centred dot: decided by where the mark sits on the line. */
function byHeight(sym: Sym, close: Candidate[], ref: LineRef): Candidate | undefined {
  const labels = new Set(close.map((c) => c.label));
  const { box } = sym;
  const axis = ref.baseline - AXIS_EM * ref.em;
  // Fused primes look like a small H or N; raised and smaller than a script capital, they are ''.
  if (labels.has('\\prime \\prime') && box.y + box.h < axis && box.h <= 0.45 * ref.em) return close.find((c) => c.label === '\\prime \\prime');
  if (labels.has(',') || labels.has('\\prime')) {
    const wanted = box.y + box.h < axis ? '\\prime' : ',';
    return close.find((c) => c.label === wanted) ?? (wanted === '\\prime' ? primeLike(sym) : undefined);
  }
  if (labels.has('.') || labels.has('\\cdot')) {
    const wanted = box.y + box.h / 2 < ref.baseline - 0.15 * ref.em ? '\\cdot' : '.';
    return close.find((c) => c.label === wanted);
  }
  return undefined;
}

function primeLike(sym: Sym): Candidate | undefined {
  const base = sym.cands[0];
  return base ? { label: '\\prime', score: base.score, template: { ...base.template, label: '\\prime', kind: 'prime' } } : undefined;
}

function reorder(u: Unit, sym: Sym, pick: Candidate, fallbackEm: number): Unit {
  const cands = [pick, ...sym.cands.filter((c) => c !== pick)];
  return symbolUnit({ ...sym, cands }, fallbackEm);
}
