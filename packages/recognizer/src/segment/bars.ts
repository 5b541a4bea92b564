/**
 * Parallel bars: `=` and `\equiv` are two or three rules of one length stacked tightly (fraction
 * bars and minus signs never are). Bars are paired when components are first grouped, and again
 * after touching glyphs are split, since a bar fused with a neighbour (`i=` in a limit, a script
 * touching `=`) is a rule of its own only then.
 */
import { unionBox, type Box } from '../image/components';
import type { TemplateMeta } from '../templates/template-set';
import { classifyComps, ruleMeta, type SegmentContext, type SymbolHypothesis } from './context';

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
  const paired = used.size === 0 ? out : [...out.filter((h) => !used.has(h)), ...added];
  return withBarsUnder(ctx, withThirdBars(paired.map((h) => fusedBars(ctx, h) ?? h), em));
}

/** Relations drawn with a bar under them, by the relation above the bar. */
const WITH_BAR_UNDER: Record<string, string> = { '<': '\\leq', '>': '\\geq', '\\subset': '\\subseteq', '\\supset': '\\supseteq' };

/**
 * `\\leq`, `\\subseteq`...: the relation and a rule right under it, of about its width. Grouping
 * the two by template needs the pair to match well; at small sizes the gap opens or closes by a
 * pixel and the bar was left a minus under a `<`.
 */
function withBarsUnder(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  let out = hyps;
  for (const rel of hyps.filter((h) => WITH_BAR_UNDER[h.cands[0]?.label ?? ''] !== undefined)) {
    const r = rel.box;
    const bar = out.find((b) => isBar(b) && b.box.y >= r.y + r.h - 1 && b.box.y - (r.y + r.h) <= 0.3 * em && b.box.w >= 0.6 * r.w && b.box.w <= 1.4 * r.w + 2 && Math.min(b.box.x + b.box.w, r.x + r.w) - Math.max(b.box.x, r.x) >= 0.7 * r.w);
    if (!bar) continue;
    const comps = [...new Set([...rel.comps, ...bar.comps])];
    const box = unionBox([r, bar.box]);
    const target = WITH_BAR_UNDER[rel.cands[0]!.label]!;
    const reading = classifyComps(ctx, comps, box).find((c) => c.label === target);
    if (!reading || reading.score < 0.6) continue;
    out = [...out.filter((h) => h !== rel && h !== bar), { comps, box, cands: [{ ...reading, score: Math.max(reading.score, rel.cands[0]!.score) }] }];
  }
  return out;
}

/**
 * The bars of an `=` fused by blur or heavy ink at small sizes: one flat component whose grey
 * picture still shows two solid bands across its whole width with a light row between them
 * (everywhere: an `m` or `\\varpi` has solid stems through its middle rows).
 */
function fusedBars(ctx: SegmentContext, h: SymbolHypothesis): SymbolHypothesis | undefined {
  const { box } = h;
  const em = ctx.emHint;
  if (h.shape || h.comps.length !== 1 || box.h < 4 || box.h > 0.4 * em || box.w < 1.4 * box.h || box.w < 0.35 * em || BAR_LABELS.has(h.cands[0]?.label ?? '')) return undefined;
  const own = h.comps[0]! + 1;
  const rowMax: number[] = [];
  let covered = 0;
  for (let y = box.y; y < box.y + box.h; y++) {
    let max = 0;
    for (let x = box.x; x < box.x + box.w; x++) {
      const p = y * ctx.map.width + x;
      if (ctx.map.labels[p] === own) max = Math.max(max, ctx.img.data[p]!);
    }
    rowMax.push(max);
  }
  for (let x = box.x; x < box.x + box.w; x++) {
    let top = false;
    let bottom = false;
    for (let y = box.y; y < box.y + box.h; y++) {
      if (ctx.map.labels[y * ctx.map.width + x] !== own) continue;
      if (y < box.y + box.h / 2) top = true;
      else bottom = true;
    }
    if (top && bottom) covered++;
  }
  if (covered < 0.85 * box.w) return undefined;
  const solid = Math.max(...rowMax);
  for (let r = 1; r < box.h - 1; r++) {
    if (rowMax[r]! > 0.7 * solid) continue;
    if (Math.max(...rowMax.slice(0, r)) < 0.85 * solid || Math.max(...rowMax.slice(r + 1)) < 0.85 * solid) continue;
    const upper: Box = { x: box.x, y: box.y, w: box.w, h: r };
    const lower: Box = { x: box.x, y: box.y + r + 1, w: box.w, h: box.h - r - 1 };
    return barsReading([upper, lower], h.comps, em);
  }
  return undefined;
}

const BAR_LABELS = new Set(['=', '\\equiv', '-', '\\approx', '\\simeq', '\\cong', '\\rightarrow', '\\leftarrow', '\\longrightarrow', '\\mapsto']);

/**
 * An `=` (read from its template, or paired above) with a third bar of its length right above or
 * below at the same spacing is `\\equiv`: heavy print fuses two of the three bars, or the
 * template reads two and leaves the third a minus.
 */
function withThirdBars(hyps: SymbolHypothesis[], em: number): SymbolHypothesis[] {
  let out = hyps;
  for (const eq of hyps.filter((h) => h.cands[0]?.label === '=')) {
    const third = out.find((r) => isBar(r) && r !== eq && Math.abs(r.box.w - eq.box.w) <= Math.max(2, 0.2 * eq.box.w) && Math.abs(r.box.x - eq.box.x) <= Math.max(2, 0.2 * eq.box.w) && gapBetween(r.box, eq.box) <= Math.max(2, 0.6 * eq.box.h) && gapBetween(r.box, eq.box) >= 0);
    if (!third) continue;
    const t = Math.max(1, third.box.h);
    const top: Box = { x: eq.box.x, y: eq.box.y, w: eq.box.w, h: t };
    const bottom: Box = { x: eq.box.x, y: eq.box.y + eq.box.h - t, w: eq.box.w, h: t };
    const reading = barsReading([top, bottom, third.box], [...new Set([...eq.comps, ...third.comps])], em);
    if (reading) out = [...out.filter((h) => h !== eq && h !== third), reading];
  }
  return out;
}

/** Vertical gap between two boxes (negative when they overlap). */
function gapBetween(a: Box, b: Box): number {
  return Math.max(a.y, b.y) - Math.min(a.y + a.h, b.y + b.h);
}
