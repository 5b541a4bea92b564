/**
 * Tall delimiters: an opening delimiter much taller than the text is paired with the closing one
 * of about its height to its right (balanced), and the units between become its body. A body
 * made of two or more separate rows is an array (matrix), cut into rows by horizontal gaps and
 * into columns by vertical gaps shared by all rows.
 */
import { centerX, centerY, delimiterSize, kindOf, labelOf, typicalEm, unionOf, type Node, type Sym, type Unit } from './units';
import type { Box } from '../image/components';

export type Parse = (units: Unit[], em: number) => Node[];

function delimiter(u: Unit): { sym: Sym; kind: string } | undefined {
  if (u.node.t !== 'sym') return undefined;
  const kind = kindOf(u.node.sym);
  return kind === 'open' || kind === 'close' || kind === 'fence' ? { sym: u.node.sym, kind } : undefined;
}

export function isTall(u: Unit, em: number): boolean {
  return u.box.h >= 1.45 * em;
}

export function resolveFences(units: Unit[], em: number, parse: Parse): Unit[] {
  let rest = [...units].sort((a, b) => a.box.x - b.box.x);
  for (;;) {
    const opens = rest.filter((u) => {
      const d = delimiter(u);
      return d && (d.kind === 'open' || d.kind === 'fence');
    });
    let changed = false;
    // Innermost first: the rightmost opener whose partner is found.
    for (const open of opens.reverse()) {
      const close = findClose(rest, open);
      if (!close) continue;
      const x0 = open.box.x + open.box.w;
      const x1 = close.box.x;
      const y0 = Math.min(open.box.y, close.box.y) - 0.2 * em;
      const y1 = Math.max(open.box.y + open.box.h, close.box.y + close.box.h) + 0.2 * em;
      const inside = rest.filter((u) => u !== open && u !== close && centerX(u.box) > x0 && centerX(u.box) < x1 && centerY(u.box) > y0 && centerY(u.box) < y1);
      const innerEm = typicalEm(inside, em);
      const rows = splitRows(inside);
      const array = rows.length >= 2 || (inside.length >= 2 && splitColumns(rows, innerEm, ROW_COLUMN_GAP).length >= 2);
      // Delimiters of text height are left on the line unless they hold a row vector (and all
      // that stands between them: the limits of an integral inside reach above and below).
      if (!isTall(open, em) && (!array || rows.length >= 2 || rest.some((u) => u !== open && u !== close && !inside.includes(u) && centerX(u.box) > x0 && centerX(u.box) < x1))) continue;
      const body: Node[] = array ? [arrayNode(rows, innerEm, parse)] : parse(inside, innerEm);
      const openSym = (open.node as { sym: Sym }).sym;
      const closeSym = (close.node as { sym: Sym }).sym;
      // Fences that hug their content were stretched by \left ... \right; fences much taller
      // than what they hold were sized by hand (\big, \Big ...) and keep that size.
      const contentHeight = inside.length > 0 ? unionOf(inside.map((u) => u.box)).h : 0;
      if (!array && contentHeight < 0.7 * Math.min(open.box.h, close.box.h)) {
        setSize(openSym, delimiterSize(open.box.h, em));
        setSize(closeSym, delimiterSize(close.box.h, em));
      }
      const node: Node = { t: 'fenced', open: openSym, close: closeSym, body };
      const box = unionOf([open.box, close.box, ...inside.map((u) => u.box)]);
      const gone = new Set([open, close, ...inside]);
      rest = [...rest.filter((u) => !gone.has(u)), { node, box, axis: centerY(open.box), em: Math.max(em, innerEm), reliable: true }].sort((a, b) => a.box.x - b.box.x);
      changed = true;
      break;
    }
    if (!changed) return rest;
  }
}

const PARTNER: Record<string, string[]> = {
  '(': [')'], '[': [']'], '\\{': ['\\}'], '\\langle': ['\\rangle'], '\\lfloor': ['\\rfloor'], '\\lceil': ['\\rceil'], '|': ['|'], '\\|': ['\\|'],
};

function findClose(units: Unit[], open: Unit): Unit | undefined {
  const openLabel = labelOf((open.node as { sym: Sym }).sym);
  let best: Unit | undefined;
  for (const u of units) {
    if (u === open || u.box.x <= open.box.x + open.box.w) continue;
    const d = delimiter(u);
    if (!d || (d.kind === 'open' && labelOf(d.sym) !== '|')) continue;
    const ratio = u.box.h / open.box.h;
    const overlap = Math.min(u.box.y + u.box.h, open.box.y + open.box.h) - Math.max(u.box.y, open.box.y);
    if (ratio < 0.75 || ratio > 1.33 || overlap < 0.7 * Math.min(u.box.h, open.box.h)) continue;
    const matches = (PARTNER[openLabel] ?? []).includes(labelOf(d.sym));
    // The nearest partner of the right kind wins; any closer of the right size is a fallback.
    if (!best || (matches && u.box.x < best.box.x) || (matches && !(PARTNER[openLabel] ?? []).includes(labelOf((best.node as { sym: Sym }).sym)))) {
      if (matches || !best) best = u;
    }
  }
  return best;
}

function splitRows(units: Unit[]): Unit[][] {
  const sorted = [...units].sort((a, b) => a.box.y - b.box.y);
  const rows: Array<{ units: Unit[]; y1: number }> = [];
  for (const u of sorted) {
    const last = rows[rows.length - 1];
    if (last && u.box.y < last.y1) {
      last.units.push(u);
      last.y1 = Math.max(last.y1, u.box.y + u.box.h);
    } else rows.push({ units: [u], y1: u.box.y + u.box.h });
  }
  return rows.map((r) => r.units);
}

/** Gap (in em) between the columns of an array: TeX and MathJax put 2 \\arraycolsep = 1 em
 * between cells, where the widest space inside a formula (around a relation) is 0.28 em. */
const COLUMN_GAP = 0.6;
/** A single row inside tall delimiters is an array (a row vector) only with gaps nearer 1 em. */
const ROW_COLUMN_GAP = 0.8;

function splitColumns(rows: Unit[][], em: number, gap = COLUMN_GAP): Array<[number, number]> {
  const spans: Array<[number, number]> = rows.flat().map((u) => [u.box.x, u.box.x + u.box.w] as [number, number]).sort((a, b) => a[0] - b[0]);
  const columns: Array<[number, number]> = [];
  for (const [a, b] of spans) {
    const last = columns[columns.length - 1];
    if (last && a < last[1] + gap * em) last[1] = Math.max(last[1], b);
    else columns.push([a, b]);
  }
  return columns;
}

function arrayNode(rows: Unit[][], em: number, parse: Parse): Node {
  const columns = splitColumns(rows, em);
  const cells = rows.map((row) => columns.map(([a, b]) => parse(row.filter((u) => centerX(u.box) >= a && centerX(u.box) <= b), em)));
  return { t: 'array', rows: cells };
}

export type { Box };

function setSize(sym: Sym, size: string | undefined): void {
  if (size === undefined) delete sym.size;
  else sym.size = size;
}

/** Sizes every delimiter left on a line by its height, so `\Big[` is read back at its size. */
export function sizeDelimiters(units: Unit[], em: number): void {
  for (const u of units) {
    const d = delimiter(u);
    if (d) setSize(d.sym, delimiterSize(u.box.h, em) ?? '\\Bigg');
  }
}
