/**
 * From connected components to symbol hypotheses: rules and radicals by shape, everything else by
 * template; stacked parts that form one symbol (= i j : ; ! ? \le \div \equiv ...) are grouped
 * when the group matches a multi-part template better than its parts match alone; glyphs that
 * touch (common in print: a superscript fused to its base, two letters kerned together) are split
 * at thin columns when the pieces match clearly better than the whole.
 */
import type { Candidate } from '../classify/classifier';
import { unionBox, type Box, type Component } from '../image/components';
import type { TemplateMeta } from '../templates/template-set';
import { barsReading, regroupBars } from './bars';
import { classifyComps, observe, ruleMeta, type SegmentContext, type SymbolHypothesis } from './context';
import { readFusedDots, regroupDots, splitUnderDots } from './dotted';
import { maybeSplit, splitFusedBar } from './split';
import { readWholeWords } from './words';
import { isHorizontalRule, radicalShape, waviness } from './shapes';

export { observe, type SegmentContext, type SymbolHypothesis } from './context';

const GROUP_MATCH = 0.86;

/** Median height of ordinary components, converted to an em estimate (x-height ~ 0.55 em of it). */
export function estimateEm(components: Component[]): number {
  const heights = components.filter((c) => c.h >= 3 && !(c.w > 3 * c.h)).map((c) => c.h).sort((a, b) => a - b);
  if (heights.length === 0) return 16;
  return Math.max(6, heights[Math.floor(heights.length / 2)]! / 0.58);
}

export function segmentSymbols(ctx: SegmentContext): SymbolHypothesis[] {
  const comps = [...ctx.map.components].sort((a, b) => a.x - b.x);
  const singles = new Map<number, SymbolHypothesis>();
  for (const c of comps) singles.set(c.id, single(ctx, c));
  const grouped = splitUnderDots(ctx, readWholeWords(ctx, groupStacks(ctx, comps, singles)));
  const out: SymbolHypothesis[] = [];
  for (const hyp of grouped) for (const piece of splitFusedBar(ctx, hyp)) out.push(...maybeSplit(ctx, piece, 0));
  return absorbSpecks(ctx, readFusedDots(ctx, regroupDots(ctx, regroupBars(ctx, joinBroken(ctx, out))))).sort((a, b) => a.box.x - b.box.x);
}

/** A broken glyph's halves must read this well together, and this much better than apart. */
const JOIN_MATCH = 0.9;
const JOIN_GAIN = 0.1;

/**
 * Glyphs broken in two by the threshold: the hairline of a `W` or `M` fades, leaving a stroke and
 * a `V` or `\Lambda` side by side. Neighbours a pixel apart, of one height, that read as one
 * glyph (compared as the one piece it was printed as) far better than as two are joined; two
 * glyphs that each read well (`r` `n`, never `m`) are not.
 */
function joinBroken(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  const joined = new Set<SymbolHypothesis>();
  const added: SymbolHypothesis[] = [];
  for (const a of [...hyps].sort((p, q) => p.box.x - q.box.x)) {
    if (a.shape || joined.has(a)) continue;
    const right = a.box.x + a.box.w;
    const b = hyps.find((h) => h !== a && !h.shape && !joined.has(h) && h.box.x >= right - 1 && h.box.x <= right + 1 && Math.min(a.box.y + a.box.h, h.box.y + h.box.h) - Math.max(a.box.y, h.box.y) >= 0.8 * Math.max(a.box.h, h.box.h));
    if (!b) continue;
    const box = unionBox([a.box, b.box]);
    const comps = [...a.comps, ...b.comps];
    // Read as the one-piece glyph the halves would be if the hairline had not faded.
    const cands = ctx.classifier.classify({ ...observe(ctx, comps, box), parts: 1 });
    const together = cands[0]?.score ?? 0;
    if (box.w > 1.3 * em || box.h < 0.4 * em) continue;
    if (together < JOIN_MATCH || together < (scoreOf(a) + scoreOf(b)) / 2 + JOIN_GAIN) continue;
    joined.add(a);
    joined.add(b);
    added.push({ comps, box, cands });
  }
  return joined.size === 0 ? hyps : [...hyps.filter((h) => !joined.has(h)), ...added];
}

/** A speck is at most this share of the em on either side. */
const SPECK_EM = 0.18;

/**
 * Specks inside another glyph's box: a hairline of a letter broken by the threshold (the leg of a
 * `k`, a join of an `n` or of `\infty`) or a stray JPEG block. Printed dots never sit inside a
 * glyph (those of i, j, `:`, `\div` have been grouped with their partners by now), so the speck
 * is read as part of the glyph around it, or dropped when that reads worse.
 */
function absorbSpecks(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const limit = SPECK_EM * ctx.emHint;
  const specks = hyps.filter((h) => h.comps.length === 1 && !h.shape && h.box.w <= limit && h.box.h <= limit);
  if (specks.length === 0) return hyps;
  let out = hyps;
  for (const speck of specks) {
    const s = speck.box;
    const host = out.find((h) => h !== speck && !h.shape && h.box.w >= 2 * s.w && h.box.h >= 2 * s.h && s.x >= h.box.x - 1 && s.y >= h.box.y - 1 && s.x + s.w <= h.box.x + h.box.w + 1 && s.y + s.h <= h.box.y + h.box.h + 1);
    if (!host) continue;
    const comps = [...host.comps, ...speck.comps];
    const box = unionBox([host.box, s]);
    const cands = classifyComps(ctx, comps, box);
    const merged = (cands[0]?.score ?? 0) > scoreOf(host) ? { ...host, comps, box, cands } : host;
    out = out.filter((h) => h !== speck).map((h) => (h === host ? merged : h));
  }
  return out;
}

function single(ctx: SegmentContext, c: Component): SymbolHypothesis {
  const box = { x: c.x, y: c.y, w: c.w, h: c.h };
  const asRule = (): SymbolHypothesis => ({ comps: [c.id], box, cands: [{ label: '-', score: 1, template: ruleMeta(box, ctx.emHint) }], shape: 'rule' });
  // An accent over one letter (a tilde is a third of an em wide), not a minus sign (four fifths).
  const accentSized = c.w <= 0.45 * ctx.emHint && c.w >= 2 * c.h;
  if (isHorizontalRule(c, ctx.emHint) && !wavyMark(ctx, c, box)) {
    // A tilde flattened to a bar's box still swings up and down along its length (and has its
    // letter right under it, which a minus sign never has).
    if (accentSized && hasBaseBelow(ctx, c) && waviness(ctx.img, c) >= WAVY_EM * ctx.emHint) {
      const tilde = classifyComps(ctx, [c.id], box).find((k) => k.label === '\\tilde' || k.label === '\\sim');
      if (tilde) return { comps: [c.id], box, cands: [tilde] };
    }
    return asRule();
  }
  const radical = c.h >= 0.7 * ctx.emHint ? radicalShape(c, ctx.map) : undefined;
  // A radical matches no template well; a clear template match (an integral, an f) wins.
  const cands = classifyComps(ctx, [c.id], box);
  if (radical && (cands[0]?.score ?? 0) < 0.82) {
    const meta: TemplateMeta = { label: '\\sqrt', kind: 'ord', display: false, pxPerEm: ctx.emHint, w: c.w, h: c.h, top: 0.8, bottom: -0.2, parts: 1 };
    return { comps: [c.id], box, cands: [{ label: '\\sqrt', score: 1, template: meta }], shape: 'radical', radical };
  }
  // A mark read as a tilde whose ink runs straight is a bar that blur rounded.
  if (accentSized && (cands[0]?.label === '\\tilde' || cands[0]?.label === '\\sim') && waviness(ctx.img, c) < FLAT_EM * ctx.emHint) return asRule();
  // Blurred or thick bars fail the fill test but still read as a minus: they are rules too. So
  // is a flat component no template explains (a bar of `=` that noise made ragged).
  if (cands[0]?.label === '-' && c.w >= 2 * c.h && c.w >= 3) return asRule();
  if ((cands[0]?.score ?? 0) < UNREADABLE && c.w >= 2.5 * c.h && c.w >= 3 && c.h <= Math.max(3, 0.2 * ctx.emHint)) return asRule();
  return { comps: [c.id], box, cands };
}

/** A letter right under `c`, as under an accent: close below, under most of it, not much wider. */
function hasBaseBelow(ctx: SegmentContext, c: Component): boolean {
  return ctx.map.components.some((b) => b.y >= c.y + c.h && b.y - (c.y + c.h) <= 0.3 * ctx.emHint && xOverlap(b, c) >= 0.5 * c.w && b.w <= 2.5 * c.w);
}

/** A short, thick "rule" that matches a tilde or a hat far better than a bar is that mark. */
function wavyMark(ctx: SegmentContext, c: Component, box: Box): boolean {
  if (c.h < 3 || c.w > 0.8 * ctx.emHint) return false;
  const cands = classifyComps(ctx, [c.id], box);
  const bar = cands.find((k) => k.label === '-')?.score ?? 0;
  const top = cands[0];
  return top !== undefined && WAVY.has(top.label) && top.score > 0.85 && top.score - bar >= 0.1;
}

const WAVY = new Set(['\\tilde', '\\sim', '\\hat', '\\wedge']);
/** Waviness (shapes.ts), as a share of the em hint, from which a flat mark is a tilde... */
const WAVY_EM = 0.009;
/** ... and below which a mark that reads as a tilde is a bar. */
const FLAT_EM = 0.005;
/** Below this score a reading explains nothing. */
const UNREADABLE = 0.5;

function scoreOf(h: SymbolHypothesis): number {
  return h.cands[0]?.score ?? 0;
}

/** Components stacked vertically, close and overlapping in x, that read better as one symbol. */
function groupStacks(ctx: SegmentContext, comps: Component[], singles: Map<number, SymbolHypothesis>): SymbolHypothesis[] {
  const used = new Set<number>();
  const em = ctx.emHint;
  const result: SymbolHypothesis[] = [];
  const stackable = (c: Component): boolean => singles.get(c.id)?.shape !== 'radical' && c.h <= 1.1 * em && c.w <= 1.3 * em;
  for (const a of comps) {
    if (used.has(a.id) || !stackable(a)) continue;
    // Partners: components overlapping a's columns, within a small vertical gap, small enough.
    const partners = comps.filter((b) => b.id !== a.id && !used.has(b.id) && stackable(b) && xOverlap(a, b) >= 0.4 * Math.min(a.w, b.w) && vGap(a, b) <= 0.45 * em);
    if (partners.length === 0) continue;
    let best: SymbolHypothesis | undefined;
    for (const size of [2, 3]) {
      for (const set of subsets(partners, size - 1)) {
        const members = [a, ...set];
        const box = unionBox(members);
        if (box.h > 1.15 * em) continue;
        const ids = members.map((m) => m.id);
        const hyp = groupHypothesis(ctx, members, ids, box, singles);
        if (hyp && (!best || scoreOf(hyp) > scoreOf(best))) best = hyp;
      }
    }
    if (best) {
      for (const id of best.comps) used.add(id);
      result.push(best);
    }
  }
  for (const c of comps) if (!used.has(c.id)) result.push(singles.get(c.id)!);
  return result;
}

function groupHypothesis(ctx: SegmentContext, members: Component[], ids: number[], box: Box, singles: Map<number, SymbolHypothesis>): SymbolHypothesis | undefined {
  const rules = members.filter((m) => singles.get(m.id)?.shape === 'rule');
  if (rules.length === members.length) return barsReading(rules, ids, ctx.emHint);
  // A part inside another's box (the bar of a \Theta printed apart from its ring) is no symbol
  // of its own: any reading of the whole may stand, and it needs only to read well.
  const contained = members.some((m) => members.some((o) => o !== m && inside(m, o)));
  const cands = classifyComps(ctx, ids, box).filter((c) => (contained || ctx.multipart.has(c.label)) && plausibleSize(c, box, ctx.emHint));
  const top = cands[0];
  if (!top || top.score < GROUP_MATCH) return undefined;
  if (contained) return { comps: ids, box, cands };
  // A rule's score (1 by construction) says nothing about how well it reads alone: `<` over a
  // bar is judged against the `<`, or the bar would carry any `\le` below the threshold.
  const shaped = members.filter((m) => singles.get(m.id)?.shape !== 'rule');
  const alone = shaped.reduce((s, m) => s + scoreOf(singles.get(m.id)!), 0) / shaped.length;
  if (top.score < alone - 0.03) return undefined;
  return { comps: ids, box, cands };
}

/** The em a reading implies (from the template's ink height) must be near the formula's. */
function plausibleSize(c: Candidate, box: Box, emHint: number): boolean {
  const span = c.template.top - c.template.bottom;
  if (span < 0.2) return true;
  const em = box.h / span;
  return em > 0.4 * emHint && em < 1.7 * emHint;
}

/** `a` lies within `b`'s box, clear of its edges. */
function inside(a: Box, b: Box): boolean {
  return a.x > b.x && a.y > b.y && a.x + a.w < b.x + b.w && a.y + a.h < b.y + b.h;
}

function xOverlap(a: Box, b: Box): number {
  return Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
}

function vGap(a: Box, b: Box): number {
  return Math.max(a.y, b.y) - Math.min(a.y + a.h, b.y + b.h);
}

function subsets<T>(items: T[], size: number): T[][] {
  if (size === 0) return [[]];
  const out: T[][] = [];
  items.forEach((item, i) => {
    for (const rest of subsets(items.slice(i + 1), size - 1)) out.push([item, ...rest]);
  });
  return out;
}
