/**
 * The layout tree and the per-unit geometry the layout analysis reasons with. Every unit, a
 * symbol or a composite (fraction, radical, operator with limits...), gets a box, the y of its
 * math axis and its em size in pixels; for symbols these come from the matched template's ink
 * metrics, so a `p` and a `P` of the same box imply different baselines and sizes.
 */
import type { Candidate } from '../classify/classifier';
import type { Box } from '../image/components';
import type { RadicalShape } from '../segment/shapes';

export interface Sym {
  id: number;
  box: Box;
  cands: Candidate[];
  /** Share of its box the symbol's ink fills (classify/crop.ts inkFill). */
  fill?: number;
  shape?: 'rule' | 'radical';
  radical?: RadicalShape;
  /** For a delimiter: the TeX size its height matches ('' for the normal size), or undefined
   * when it is taller than \Bigg (stretched around its content by \left ... \right). */
  size?: string;
}

export type Node =
  | { t: 'sym'; sym: Sym; text?: string }
  | { t: 'func'; name: string; syms: Sym[]; operator?: boolean }
  | { t: 'frac'; bar: Sym; num: Node[]; den: Node[] }
  | { t: 'sqrt'; sym: Sym; body: Node[]; index: Node[] }
  | { t: 'limits'; base: Node; over: Node[]; under: Node[] }
  | { t: 'accent'; accent: string; mark: Sym; base: Node[] }
  | { t: 'array'; rows: Node[][][] }
  | { t: 'fenced'; open?: Sym; close?: Sym; body: Node[] }
  | { t: 'scripts'; base: Node; sup: Node[]; sub: Node[] }
  | { t: 'group'; body: Node[] };

export interface Unit {
  node: Node;
  box: Box;
  /** y (px) of the math axis, 0.25 em above the baseline. */
  axis: number;
  em: number;
  /** False when size and position say little (dots, commas, short rules): em was borrowed. */
  reliable: boolean;
  /** Set for shapes centred on the axis whatever their size (delimiters, big operators): the
   * axis is the box's middle, and the height says nothing about the script level. */
  centred?: boolean;
}

/** Kinds drawn centred on the math axis at every size (\big, \left, display or text style). */
const CENTRED = new Set(['open', 'close', 'fence', 'bigop', 'integral']);

export const AXIS_EM = 0.25;
/** Ink width of a minus sign (with the ink-weight stroke), in em. */
const MINUS_WIDTH_EM = 0.64;

export function labelOf(sym: Sym): string {
  return sym.cands[0]?.label ?? '?';
}

export function kindOf(sym: Sym): string {
  return sym.cands[0]?.template.kind ?? 'ord';
}

/** Geometry of a symbol read as its current label, with `fallbackEm` for flat shapes. */
export function symbolUnit(sym: Sym, fallbackEm: number): Unit {
  const meta = sym.cands[0]?.template;
  const { box } = sym;
  if (sym.shape === 'rule') {
    // A minus sign is 0.78 em wide; a longer rule (left over from a missed fraction) keeps the
    // context size.
    const em = box.w < 1.2 * fallbackEm ? box.w / MINUS_WIDTH_EM : fallbackEm;
    return { node: { t: 'sym', sym }, box, axis: box.y + box.h / 2, em, reliable: box.w >= 4 && box.w < 1.2 * fallbackEm };
  }
  if (!meta) return { node: { t: 'sym', sym }, box, axis: box.y + box.h / 2, em: fallbackEm, reliable: false };
  if (CENTRED.has(meta.kind)) return { node: { t: 'sym', sym }, box, axis: box.y + box.h / 2, em: fallbackEm, reliable: false, centred: true };
  const span = meta.top - meta.bottom;
  const widthEm = meta.w / meta.pxPerEm;
  let em: number;
  let reliable = true;
  if (span >= 0.3) em = box.h / span;
  else if (widthEm >= 0.45 && box.w >= 5) em = box.w / widthEm;
  else {
    em = fallbackEm;
    reliable = false;
  }
  const baseline = box.y + box.h + meta.bottom * em;
  return { node: { t: 'sym', sym }, box, axis: baseline - AXIS_EM * em, em, reliable };
}

export function unionOf(boxes: Box[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.w);
    y1 = Math.max(y1, b.y + b.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export function centerX(b: Box): number {
  return b.x + b.w / 2;
}

export function centerY(b: Box): number {
  return b.y + b.h / 2;
}

/** Median of reliable ems, or `fallback`. */
export function typicalEm(units: Unit[], fallback: number): number {
  const ems = units.filter((u) => u.reliable).map((u) => u.em).sort((a, b) => a - b);
  if (ems.length === 0) return fallback;
  return ems[Math.floor(ems.length * 0.6)]!;
}

/** Delimiter heights of TeX's sizes, in em: normal, \big, \Big, \bigg, \Bigg. */
const DELIMITER_SIZES: Array<[string, number]> = [['', 1.0], ['\\big', 1.2], ['\\Big', 1.8], ['\\bigg', 2.4], ['\\Bigg', 3.0]];

/** The sizing command whose delimiter height is nearest `height` px at `em` px; undefined beyond \Bigg. */
export function delimiterSize(height: number, em: number): string | undefined {
  const ratio = height / em;
  if (ratio > 3.3) return undefined;
  let best = DELIMITER_SIZES[0]!;
  for (const s of DELIMITER_SIZES) if (Math.abs(Math.log(ratio / s[1])) < Math.abs(Math.log(ratio / best[1]))) best = s;
  return best[0];
}
