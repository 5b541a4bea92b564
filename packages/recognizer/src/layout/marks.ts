/**
 * Marks whose meaning is their height on the line: a dot is `.` on the baseline and `\cdot` on
 * the axis; a comma-shaped stroke is `,` when it hangs from the baseline and `\prime` when it is
 * raised. The template match only says "dot" or "comma stroke" (the templates are identical), so
 * the reading is settled here, once the region's line is known, and again in each script region.
 * Accent-shaped marks that found no base (a `\dot` with nothing under it) are read the same way.
 */
import type { Candidate } from '../classify/classifier';
import type { SymbolKind } from '../templates/vocabulary';
import type { Sym, Unit } from './units';

const DOT_CLASS = new Set(['.', '\\cdot', '\\dot']);
const COMMA_CLASS = new Set([',', '\\prime', '\\acute']);
const KIND: Record<string, SymbolKind> = { '.': 'dot', '\\cdot': 'dot', ',': 'punct', '\\prime': 'prime', '\\rightarrow': 'rel', '\\sim': 'rel', '\\wedge': 'bin', '\\vee': 'bin' };
/** The symbol an accent's mark draws when it stands alone. */
const ALONE: Record<string, string> = { '\\vec': '\\rightarrow', '\\tilde': '\\sim', '\\hat': '\\wedge', '\\check': '\\vee' };
/** Only candidates this close to the best one are taken as the same shape. */
const SAME_SHAPE = 0.12;

type MarkClass = 'dot' | 'comma';

export function markClass(sym: Sym): MarkClass | undefined {
  const top = sym.cands[0];
  if (!top || sym.shape) return undefined;
  const close = sym.cands.filter((c) => c.score >= top.score - SAME_SHAPE).map((c) => c.label);
  if (DOT_CLASS.has(top.label)) return 'dot';
  if (COMMA_CLASS.has(top.label)) return 'comma';
  // An accent reading with no base left: the nearest mark reading of the same shape.
  if (top.template.kind === 'accent') {
    if (close.some((l) => DOT_CLASS.has(l))) return 'dot';
    if (close.some((l) => COMMA_CLASS.has(l))) return 'comma';
  }
  return undefined;
}

/** Moves `label` to the front of the candidates, creating it from the best template if absent. */
export function readAs(sym: Sym, label: string): void {
  const found = sym.cands.find((c) => c.label === label);
  const top = sym.cands[0]!;
  const pick: Candidate = found ?? { label, score: top.score, template: { ...top.template, label, kind: KIND[label] ?? top.template.kind } };
  sym.cands = [pick, ...sym.cands.filter((c) => c !== found)];
}

/**
 * Settles every dot and comma stroke of a region against its line (axis y and em in px). Marks
 * on the line get the line's axis, so the baseline pass keeps them on it.
 */
export function placeMarks(units: Unit[], axis: number, em: number): void {
  const baseline = axis + 0.25 * em;
  for (const u of units) {
    if (u.node.t !== 'sym') continue;
    const sym = u.node.sym;
    const cls = markClass(sym);
    if (!cls) {
      settleAccent(sym);
      continue;
    }
    const { box } = sym;
    const top = box.y;
    const bottom = box.y + box.h;
    if (cls === 'dot') {
      const cy = box.y + box.h / 2;
      if (Math.abs(bottom - baseline) <= 0.1 * em) {
        readAs(sym, '.');
        u.axis = axis;
      } else if (Math.abs(cy - axis) <= 0.14 * em) {
        readAs(sym, '\\cdot');
        u.axis = axis;
      } else if (cy < axis) {
        readAs(sym, '\\cdot');
        u.axis = cy;
      } else {
        readAs(sym, '.');
        u.axis = bottom - 0.25 * u.em;
      }
      continue;
    }
    if (Math.abs(top + box.h / 2 - axis) <= 0.12 * em && box.h <= 0.25 * em && box.h <= 1.5 * box.w) {
      // Nothing comma-shaped sits on the axis: a round blot there is a blurred \cdot (a comma
      // of a superscript can come near it, but it is taller than wide).
      readAs(sym, '\\cdot');
      u.axis = axis;
    } else if (bottom < axis + 0.05 * em) {
      readAs(sym, '\\prime');
    } else {
      readAs(sym, ',');
      // A comma hangs from the baseline: its top sits a little above it (a subscript's is below).
      if (top >= baseline - 0.24 * em && top <= baseline + 0.04 * em) u.axis = axis;
    }
  }
}

/** An accent reading left without a base is read as the symbol its mark draws. */
function settleAccent(sym: Sym): void {
  const top = sym.cands[0];
  if (!top || top.template.kind !== 'accent') return;
  const alone = ALONE[top.label];
  if (alone) return readAs(sym, alone);
  const other = sym.cands.find((c) => c.template.kind !== 'accent');
  if (other) readAs(sym, other.label);
}
