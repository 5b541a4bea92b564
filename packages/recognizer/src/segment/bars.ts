/**
 * Parallel bars: `=` and `\equiv` are two or three rules of one length stacked tightly (fraction
 * bars and minus signs never are). Bars are paired when components are first grouped, and again
 * after touching glyphs are split, since a bar fused with a neighbour (`i=` in a limit, a script
 * touching `=`) is a rule of its own only then.
 */
import { unionBox, type Box } from '../image/components';
import type { TemplateMeta } from '../templates/template-set';
import { ruleMeta, type SegmentContext, type SymbolHypothesis } from './context';

/** The `=` or `\equiv` reading of stacked rules, if their lengths and spacing allow it. */
export function barsReading(bars: readonly Box[], ids: number[], emHint: number): SymbolHypothesis | undefined {
  if (bars.length < 2 || bars.length > 3) return undefined;
  const box = unionBox(bars);
  const w0 = Math.min(...bars.map((r) => r.w));
  const w1 = Math.max(...bars.map((r) => r.w));
  const x0 = Math.min(...bars.map((r) => r.x));
  const x1 = Math.max(...bars.map((r) => r.x));
  if (w0 < 0.75 * w1 || x1 - x0 > 0.2 * w1 + 1 || box.h > 0.9 * w1 + 2) return undefined;
  const label = bars.length === 2 ? '=' : '\\equiv';
  const meta: TemplateMeta = { label, kind: 'rel', display: false, pxPerEm: emHint, w: box.w, h: box.h, top: 0.25 + box.h / emHint / 2, bottom: 0.25 - box.h / emHint / 2, parts: bars.length };
  // Three equal bars beat two of them.
  return { comps: ids, box, cands: [{ label, score: bars.length === 2 ? 0.97 : 0.98, template: meta }] };
}

function isBar(h: SymbolHypothesis): boolean {
  return h.shape === 'rule';
}

/** Pieces that read as a minus become rules; rules left single are paired into `=` when they can be. */
export function regroupBars(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  const out = hyps.map((h): SymbolHypothesis => {
    if (h.shape || h.cands[0]?.label !== '-' || h.box.w < 2 * h.box.h || h.box.w < 3) return h;
    return { comps: h.comps, box: h.box, cands: [{ label: '-', score: 1, template: ruleMeta(h.box, em) }], shape: 'rule' };
  });
  const bars = out.filter(isBar).sort((a, b) => a.box.y - b.box.y);
  const used = new Set<SymbolHypothesis>();
  const added: SymbolHypothesis[] = [];
  for (const a of bars) {
    if (used.has(a) || a.box.w > 1.5 * em) continue;
    const b = bars.find((c) => c !== a && !used.has(c) && c.box.y > a.box.y && c.box.y - (a.box.y + a.box.h) <= 0.3 * em && Math.min(a.box.x + a.box.w, c.box.x + c.box.w) - Math.max(a.box.x, c.box.x) >= 0.6 * Math.min(a.box.w, c.box.w));
    if (!b) continue;
    const pair = barsReading([a.box, b.box], [...new Set([...a.comps, ...b.comps])], em);
    if (!pair) continue;
    used.add(a);
    used.add(b);
    added.push(pair);
  }
  return used.size === 0 ? out : [...out.filter((h) => !used.has(h)), ...added];
}
