/**
 * Two-dimensional constructs that claim other units by geometry, resolved before the baseline
 * pass: fraction bars (longest first, so nested fractions fall inside their parent's numerator or
 * denominator), radicals with radicand and index, big operators and \lim-like names with limits
 * above and below, and accents over a base. Claimed units are parsed recursively by `parse`.
 */
import { mainLine } from './baseline';
import { readAs } from './marks';
import { AXIS_EM, centerX, centerY, kindOf, labelOf, typicalEm, unionOf, type Node, type Sym, type Unit } from './units';

export type Parse = (units: Unit[], em: number) => Node[];

/** Everything stacked above (or below) `anchor` within its columns, as a vertical chain of units. */
function stackedChain(units: Unit[], anchor: Unit, side: 'above' | 'below', x0: number, x1: number, em: number): Unit[] {
  const inColumns = units.filter((u) => u !== anchor && u.box.x >= x0 && u.box.x + u.box.w <= x1);
  const pool = inColumns.filter((u) => (side === 'above' ? u.box.y + u.box.h <= anchor.box.y + 1 : u.box.y >= anchor.box.y + anchor.box.h - 1));
  const chain: Unit[] = [];
  let edge = side === 'above' ? anchor.box.y : anchor.box.y + anchor.box.h;
  let grew = true;
  while (grew) {
    grew = false;
    for (const u of pool) {
      if (chain.includes(u)) continue;
      const gap = side === 'above' ? edge - (u.box.y + u.box.h) : u.box.y - edge;
      if (gap <= 0.55 * em) {
        chain.push(u);
        grew = true;
      }
    }
    if (grew) {
      const box = unionOf(chain.map((u) => u.box));
      edge = side === 'above' ? box.y : box.y + box.h;
    }
  }
  return chain;
}

function without(units: Unit[], removed: Unit[]): Unit[] {
  const gone = new Set(removed);
  return units.filter((u) => !gone.has(u));
}

function isRule(u: Unit): boolean {
  return u.node.t === 'sym' && u.node.sym.shape === 'rule';
}

export function resolveFractions(units: Unit[], em: number, parse: Parse): Unit[] {
  let rest = units;
  const rules = units.filter(isRule).sort((a, b) => b.box.w - a.box.w);
  for (const bar of rules) {
    if (!rest.includes(bar)) continue;
    const slack = 0.2 * em;
    const x0 = bar.box.x - slack;
    const x1 = bar.box.x + bar.box.w + slack;
    const num = stackedChain(rest, bar, 'above', x0, x1, em);
    const den = stackedChain(rest, bar, 'below', x0, x1, em);
    if (num.length === 0 || den.length === 0) continue;
    const parts = [...num, ...den];
    const innerEm = typicalEm(parts, em);
    const sym = (bar.node as { sym: Sym }).sym;
    const node: Node = { t: 'frac', bar: sym, num: parse(num, innerEm), den: parse(den, innerEm) };
    const box = unionOf([bar.box, ...parts.map((p) => p.box)]);
    rest = [...without(rest, [bar, ...parts]), { node, box, axis: bar.box.y + bar.box.h / 2, em: Math.max(innerEm, ...parts.map((p) => p.em)), reliable: true }];
  }
  return rest;
}

export function resolveRadicals(units: Unit[], em: number, parse: Parse): Unit[] {
  let rest = units;
  const radicals = units.filter((u) => u.node.t === 'sym' && u.node.sym.shape === 'radical').sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
  for (const rad of radicals) {
    if (!rest.includes(rad)) continue;
    const sym = (rad.node as { sym: Sym }).sym;
    const barStart = sym.radical?.barStart ?? rad.box.x + rad.box.w * 0.3;
    const r = rad.box;
    const tol = Math.max(2, 0.15 * em);
    // A comma right after the sign ends within the tolerance, but not under the vinculum.
    const body = rest.filter((u) => u !== rad && centerX(u.box) > barStart && centerX(u.box) < r.x + r.w && u.box.x + u.box.w <= r.x + r.w + tol && u.box.y >= r.y - tol && u.box.y + u.box.h <= r.y + r.h + tol);
    // TeX kerns the index back into the sign (5mu before it, -10mu after), so an index always
    // reaches into the sign's columns; a minus or a script printed before the radical ends short.
    const index = rest.filter((u) => u !== rad && !body.includes(u) && u.box.x + u.box.w <= barStart + tol && u.box.x + u.box.w > r.x + 1 && u.box.x >= r.x - 1.2 * em && u.box.y + u.box.h <= r.y + r.h * 0.6 && u.box.y >= r.y - 0.8 * em);
    const bodyEm = typicalEm(body, em);
    const node: Node = { t: 'sqrt', sym, body: parse(body, bodyEm), index: parse(index, typicalEm(index, em * 0.5)) };
    const box = unionOf([r, ...body.map((u) => u.box), ...index.map((u) => u.box)]);
    // The radicand's own main line (axis and size): with scripts inside (`\\sqrt{\\gamma^{Cp}}`,
    // `\\sqrt{H_{3}^{\\Psi}}`) most of its units may sit off it and be smaller.
    const line = body.length > 0 ? mainLine(body, bodyEm) : { axis: r.y + r.h / 2, em: bodyEm };
    rest = [...without(rest, [rad, ...body, ...index]), { node, box, axis: line.axis, em: Math.max(bodyEm, line.em), reliable: body.length > 0 }];
  }
  return rest;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const LIMIT_NAMES = new Set(['lim', 'max', 'min', 'sup', 'inf', 'det', 'gcd', 'Pr', 'liminf', 'limsup']);

/** Big operators and \lim-like names take the units right above and below them as limits. */
export function resolveLimits(units: Unit[], em: number, parse: Parse): Unit[] {
  let rest = units;
  const ops = units.filter((u) => (u.node.t === 'sym' && kindOf(u.node.sym) === 'bigop') || (u.node.t === 'func' && (u.node.operator === true || LIMIT_NAMES.has(u.node.name))));
  for (const op of ops) {
    if (!rest.includes(op)) continue;
    const x0 = op.box.x - 0.25 * em;
    const x1 = op.box.x + op.box.w + 0.25 * em;
    const centred = (u: Unit): boolean => centerX(u.box) >= x0 && centerX(u.box) <= x1;
    const over = grow(rest, op, (u) => u.box.y + u.box.h <= op.box.y + 0.1 * op.box.h, centred, em);
    const under = grow(rest, op, (u) => u.box.y >= op.box.y + 0.9 * op.box.h, centred, em);
    if (over.length === 0 && under.length === 0) continue;
    const node: Node = { t: 'limits', base: op.node, over: parse(over, typicalEm(over, em * 0.7)), under: parse(under, typicalEm(under, em * 0.7)) };
    const box = unionOf([op.box, ...over.map((u) => u.box), ...under.map((u) => u.box)]);
    rest = [...without(rest, [op, ...over, ...under]), { node, box, axis: op.axis, em: op.em, reliable: op.reliable, ...(op.centred ? { centred: true } : {}) }];
  }
  return rest;
}

/** Units on one side of `op` (per `side`), seeded by those centred on it, grown sideways. */
function grow(units: Unit[], op: Unit, side: (u: Unit) => boolean, seed: (u: Unit) => boolean, em: number): Unit[] {
  const pool = units.filter((u) => u !== op && side(u) && Math.min(Math.abs(u.box.y + u.box.h - op.box.y), Math.abs(u.box.y - op.box.y - op.box.h)) < 1.2 * em);
  const chosen = pool.filter(seed);
  let grew = chosen.length > 0;
  while (grew) {
    grew = false;
    const box = unionOf(chosen.map((u) => u.box));
    for (const u of pool) {
      if (chosen.includes(u)) continue;
      const gapX = Math.max(box.x - (u.box.x + u.box.w), u.box.x - (box.x + box.w));
      const overlapY = Math.min(box.y + box.h, u.box.y + u.box.h) - Math.max(box.y, u.box.y);
      if (gapX < 0.35 * em && overlapY > 0) {
        chosen.push(u);
        grew = true;
      }
    }
  }
  return chosen;
}

const DOTTED_BY_DOTLESS: Record<string, string> = { '\\imath': 'i', '\\jmath': 'j', '\\iota': 'i' };

const ACCENT_BY_LABEL: Record<string, string> = {
  '\\hat': '\\hat', '\\wedge': '\\hat', '\\tilde': '\\tilde', '\\sim': '\\tilde', '\\vec': '\\vec', '\\rightarrow': '\\vec', '\\dot': '\\dot', '.': '\\dot', '\\cdot': '\\dot', '\\ddot': '\\ddot', '\\check': '\\check', '\\vee': '\\check', '\\breve': '\\breve', '\\acute': '\\acute', '\\grave': '\\grave', '-': '\\bar',
};

/**
 * The accent a mark draws. At 13-16 px/em a hat is a 4x3 blot that matches a dot as well as a
 * hat, but a dot is round: a mark clearly wider than tall takes the nearest non-dot reading.
 */
function accentOf(sym: Sym): string | undefined {
  const accent = sym.cands.map((c) => ACCENT_BY_LABEL[c.label]).find((a) => a !== undefined);
  if (accent !== '\\dot' || sym.box.w < 1.3 * sym.box.h || sym.box.w < 4) return accent;
  const top = sym.cands[0]!.score;
  const wide = sym.cands.find((c) => c.score >= top - 0.08 && ACCENT_BY_LABEL[c.label] !== undefined && !DOT_ACCENTS.has(ACCENT_BY_LABEL[c.label]!));
  return wide ? ACCENT_BY_LABEL[wide.label] : accent;
}

const DOT_ACCENTS = new Set(['\\dot', '\\ddot']);

/** Another dot of the same size at the same height right beside `mark`, if there is one. */
function dotPartner(mark: Unit, units: Unit[], em: number): Unit | undefined {
  const a = mark.box;
  return units.find((u) => {
    if (u === mark || u.node.t !== 'sym' || accentOf(u.node.sym) !== '\\dot') return false;
    const b = u.box;
    const gap = Math.max(b.x - (a.x + a.w), a.x - (b.x + b.w));
    return gap >= 1 && gap <= 0.3 * em && Math.abs(centerY(a) - centerY(b)) <= Math.max(1, 0.06 * em) && b.h <= 1.7 * a.h && a.h <= 1.7 * b.h;
  });
}

/** A small mark right above a unit, no wider than it by much, is an accent on it. */
export function resolveAccents(units: Unit[], em: number, parse: Parse): Unit[] {
  let rest = units;
  const marks = units.filter((u) => u.node.t === 'sym' && u.box.h <= 0.35 * em);
  for (const mark of marks) {
    if (!rest.includes(mark) || mark.node.t !== 'sym') continue;
    const sym = mark.node.sym;
    let accent = accentOf(sym);
    if (!accent) continue;
    let markBox = mark.box;
    // The two dots of \ddot are separate components side by side.
    const pair = accent === '\\dot' ? dotPartner(mark, rest, em) : undefined;
    if (pair) {
      accent = '\\ddot';
      markBox = unionOf([mark.box, pair.box]);
    }
    const below = rest.filter((u) => u !== mark && u !== pair && u.box.y >= markBox.y + markBox.h - 1 && u.box.y - (markBox.y + markBox.h) <= 0.3 * em && centerX(markBox) >= u.box.x - 1 && centerX(markBox) <= u.box.x + u.box.w + 1 && u.box.h > markBox.h);
    if (below.length === 0) continue;
    // The base is the nearest unit under the mark; a wide mark (overline) takes all it covers.
    const wide = markBox.w > 1.4 * Math.min(...below.map((u) => u.box.w));
    const base = wide ? below.filter((u) => u.box.x >= markBox.x - 2 && u.box.x + u.box.w <= markBox.x + markBox.w + 2) : [below.sort((a, b) => a.box.y - b.box.y)[0]!];
    if (base.length === 0) continue;
    if (!wide && base[0]!.box.w > Math.max(4.5 * markBox.w, 0.9 * em) && accent !== "\\bar") continue;
    const single = base.length === 1 && base[0]!.node.t === 'sym' ? base[0]!.node.sym : undefined;
    const dotted = single && accent === '\\dot' ? DOTTED_BY_DOTLESS[labelOf(single)] : undefined;
    if (single && dotted) {
      // A dot over a dotless stem is the dot of an i or j that segmentation left apart.
      readAs(single, dotted);
      single.box = unionOf([single.box, mark.box]);
      rest = without(rest, [mark]).map((u) => (u === base[0] ? { ...u, box: single.box } : u));
      continue;
    }
    // \bar is a macron of 0.5 em whatever its base; a bar as wide as a broad letter is \overline.
    const overline = accent === '\\bar' && base.length === 1 && markBox.w >= 0.9 * base[0]!.box.w && markBox.w >= 0.6 * em;
    const name = (wide || overline) && accent === '\\bar' ? '\\overline' : wide && accent === '\\hat' ? '\\widehat' : wide && accent === '\\tilde' ? '\\widetilde' : accent;
    const baseEm = typicalEm(base, em);
    const node: Node = { t: 'accent', accent: name, mark: sym, base: parse(base, baseEm) };
    const box = unionOf([markBox, ...base.map((u) => u.box)]);
    const axis = base.length === 1 ? base[0]!.axis : median(base.map((u) => u.axis));
    rest = [...without(rest, [mark, ...(pair ? [pair] : []), ...base]), { node, box, axis, em: baseEm, reliable: base.some((u) => u.reliable) }];
  }
  return rest;
}

export { AXIS_EM, labelOf };
