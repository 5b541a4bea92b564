/**
 * Ellipses: three dots of one size, evenly spaced on one level, are `\ldots` when they sit on the
 * baseline of the line around them and `\cdots` when they sit on its axis. Read one by one, such
 * dots are look-alikes (`.`, `\cdot`, `\bullet`) that the layout would turn into scripts.
 */
import type { TemplateMeta } from '../templates/template-set';
import { AXIS_EM, centerY, symbolUnit, unionOf, type Unit } from './units';

const DOTS = new Set(['.', '\\cdot', '\\bullet']);
/** Ink width of `\ldots` / `\cdots` in em (first dot's left edge to the last one's right). */
const ELLIPSIS_WIDTH_EM = 1.06;

function isDot(u: Unit, em: number): boolean {
  if (u.node.t !== 'sym' || u.node.sym.shape) return false;
  const label = u.node.sym.cands[0]?.label;
  return label !== undefined && DOTS.has(label) && u.box.h <= 0.3 * em && u.box.w <= 0.3 * em;
}

/** Three dots in a row: similar sizes, centres level, gaps even and short. */
function isRun(d: Unit[], em: number): boolean {
  const [a, b, c] = d as [Unit, Unit, Unit];
  const sizes = d.map((u) => Math.max(u.box.w, u.box.h));
  if (Math.max(...sizes) > 1.6 * Math.min(...sizes) + 1) return false;
  const ys = d.map((u) => centerY(u.box));
  if (Math.max(...ys) - Math.min(...ys) > 0.1 * em + 1) return false;
  const gap1 = b.box.x - a.box.x;
  const gap2 = c.box.x - b.box.x;
  return gap1 > 0 && gap2 > 0 && Math.max(gap1, gap2) < 0.6 * em && Math.max(gap1, gap2) <= 1.5 * Math.min(gap1, gap2) + 1;
}

/** Baseline and axis of the line the dots stand in: the nearest reliable units beside them. */
function lineOf(run: Unit[], units: Unit[], em: number): { baseline: number; axis: number } | undefined {
  const box = unionOf(run.map((u) => u.box));
  const near = units
    .filter((u) => !run.includes(u) && u.reliable && u.node.t === 'sym' && !isDot(u, em))
    .filter((u) => Math.abs(u.axis - centerY(box)) < 0.6 * em && u.em > 0.75 * em)
    .map((u) => ({ u, gap: Math.max(u.box.x - (box.x + box.w), box.x - (u.box.x + u.box.w), 0) }))
    .filter((n) => n.gap < 2 * em)
    .sort((p, q) => p.gap - q.gap)
    .slice(0, 4);
  if (near.length === 0) return undefined;
  const axes = near.map((n) => n.u.axis).sort((p, q) => p - q);
  const ems = near.map((n) => n.u.em).sort((p, q) => p - q);
  const axis = axes[Math.floor(axes.length / 2)]!;
  return { axis, baseline: axis + AXIS_EM * ems[Math.floor(ems.length / 2)]! };
}

export function mergeEllipses(units: Unit[], em: number): Unit[] {
  const sorted = [...units].sort((a, b) => a.box.x - b.box.x);
  const merged = new Set<Unit>();
  const added: Unit[] = [];
  for (let i = 0; i + 2 < sorted.length; i++) {
    const run = sorted.slice(i, i + 3);
    if (run.some((u) => merged.has(u) || !isDot(u, em)) || !isRun(run, em)) continue;
    const line = lineOf(run, units, em);
    const y = centerY(unionOf(run.map((u) => u.box)));
    const label = line && Math.abs(y - line.baseline) < Math.abs(y - line.axis) ? '\\ldots' : '\\cdots';
    const box = unionOf(run.map((u) => u.box));
    const localEm = box.w / ELLIPSIS_WIDTH_EM;
    const dotEm = box.h / localEm;
    const meta: TemplateMeta = { label, kind: 'ord', display: false, pxPerEm: localEm, w: box.w, h: box.h, top: label === '\\ldots' ? dotEm : AXIS_EM + dotEm / 2, bottom: label === '\\ldots' ? 0 : AXIS_EM - dotEm / 2, parts: 3 };
    const syms = run.flatMap((u) => (u.node.t === 'sym' ? [u.node.sym] : []));
    const score = Math.min(...syms.map((s) => s.cands[0]?.score ?? 0));
    added.push(symbolUnit({ id: syms[0]!.id, box, cands: [{ label, score, template: meta }] }, em));
    for (const u of run) merged.add(u);
    i += 2;
  }
  return merged.size === 0 ? units : [...units.filter((u) => !merged.has(u)), ...added];
}
