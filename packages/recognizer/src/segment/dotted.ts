/**
 * Dotted letters fused with their neighbours. In print `li` of `lim` or `in` of `sin` often touch,
 * leaving a lone dot above a component that reads as something else (`h`, `m`). A dot with no
 * partner is strong evidence of an `i` or `j` underneath: the component is cut at the thin
 * columns on either side of the dot, and the middle piece read together with the dot.
 */
import { tightBox } from '../classify/crop';
import { unionBox, type Box } from '../image/components';
import { classifyComps, type SegmentContext, type SymbolHypothesis } from './context';

const DOTTED = new Set(['i', 'j', '\\mathrm { i }', '\\mathrm { j }', '\\mathbf { i }', '\\mathbf { j }']);

function isDot(h: SymbolHypothesis, em: number): boolean {
  const { w, h: height } = h.box;
  return h.comps.length === 1 && !h.shape && w <= 0.22 * em && height <= 0.22 * em && w <= 2.2 * height && height <= 2.2 * w;
}

function topInk(ctx: SegmentContext, id: number, x0: number, x1: number, box: Box): number | undefined {
  const own = id + 1;
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = Math.max(x0, box.x); x < Math.min(x1, box.x + box.w); x++) if (ctx.map.labels[y * ctx.map.width + x] === own) return y;
  }
  return undefined;
}

function columnInk(ctx: SegmentContext, id: number, box: Box): number[] {
  const own = id + 1;
  const out: number[] = [];
  for (let x = box.x; x < box.x + box.w; x++) {
    let n = 0;
    for (let y = box.y; y < box.y + box.h; y++) if (ctx.map.labels[y * ctx.map.width + x] === own) n++;
    out.push(n);
  }
  return out;
}

export function splitUnderDots(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  let out = hyps;
  for (const dot of hyps.filter((h) => isDot(h, em))) {
    const cx = dot.box.x + dot.box.w / 2;
    const host = out.find((h) => {
      if (h === dot || h.comps.length !== 1 || h.shape || h.box.x >= cx || h.box.x + h.box.w <= cx || h.box.w < 1.6 * dot.box.w + 2) return false;
      // Under the dot (its own columns) the host's ink starts a little below it.
      const top = topInk(ctx, h.comps[0]!, dot.box.x, dot.box.x + dot.box.w, h.box);
      return top !== undefined && top >= dot.box.y + dot.box.h && top - (dot.box.y + dot.box.h) <= 0.4 * em;
    });
    if (!host) continue;
    const replacement = bestCut(ctx, dot, host);
    if (replacement) out = [...out.filter((h) => h !== dot && h !== host), ...replacement];
  }
  return out;
}

function bestCut(ctx: SegmentContext, dot: SymbolHypothesis, host: SymbolHypothesis): SymbolHypothesis[] | undefined {
  const id = host.comps[0]!;
  const dotId = dot.comps[0]!;
  const { box } = host;
  const ink = columnInk(ctx, id, box);
  const lefts: number[] = [];
  const rights: number[] = [];
  for (let k = -3; k <= 1; k++) lefts.push(dot.box.x + k);
  for (let k = -1; k <= 3; k++) rights.push(dot.box.x + dot.box.w + k);
  let best: { score: number; pieces: SymbolHypothesis[] } | undefined;
  for (const a of lefts) {
    for (const b of rights) {
      if (b - a < 2) continue;
      const a0 = Math.max(box.x, a);
      const b0 = Math.min(box.x + box.w, b);
      // Cuts only through thin columns: the stem of an i is joined to its neighbours by a hairline.
      if (a0 > box.x && (ink[a0 - box.x] ?? 0) > Math.max(2, 0.3 * box.h)) continue;
      if (b0 < box.x + box.w && (ink[b0 - 1 - box.x] ?? 0) > Math.max(2, 0.3 * box.h)) continue;
      const stem = tightBox(ctx.map, [id], { x: a0, y: box.y, w: b0 - a0, h: box.h });
      if (!stem) continue;
      const groupBox = unionBox([stem, dot.box]);
      const cands = classifyComps(ctx, [id, dotId], groupBox).filter((c) => DOTTED.has(c.label));
      const top = cands[0];
      if (!top || top.score < 0.8) continue;
      const pieces: SymbolHypothesis[] = [{ comps: [id, dotId], box: groupBox, cands }];
      let total = top.score * stem.w;
      let width = stem.w;
      let ok = true;
      for (const range of [{ x: box.x, w: a0 - box.x }, { x: b0, w: box.x + box.w - b0 }]) {
        if (range.w <= 0) continue;
        const piece = tightBox(ctx.map, [id], { x: range.x, y: box.y, w: range.w, h: box.h });
        if (!piece) continue;
        if (piece.w < 2 && piece.h < 3) continue;
        const pc = classifyComps(ctx, [id], piece);
        if (!pc[0] || pc[0].score < 0.7) {
          ok = false;
          break;
        }
        pieces.push({ comps: [id], box: piece, cands: pc });
        total += pc[0].score * piece.w;
        width += piece.w;
      }
      if (!ok || pieces.length < 2) continue;
      const score = total / width;
      if (!best || score > best.score) best = { score, pieces };
    }
  }
  return best && best.score >= 0.8 ? best.pieces : undefined;
}

/** Readings of a stem that a dot above turns into i or j. */
const DOTLESS = new Set(['\\imath', '\\jmath', '\\iota', ',', 'l', '1', '\\mathrm { l }', '\\mathrm { I }', 'I', '\\prime', 'J', '\\mathrm { J }']);

/**
 * Dots left alone after splitting: the stem of an `i` was fused with its neighbour when the stacks
 * were grouped, and is a piece of its own only now. A lone dot right above a piece that reads as
 * a dotless stem (or whose union with the dot reads as i or j) joins it.
 */
export function regroupDots(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  let out = hyps;
  for (const dot of hyps.filter((h) => isDot(h, em))) {
    const cx = dot.box.x + dot.box.w / 2;
    const below = out.filter((h) => h !== dot && !h.shape && h.box.x - 1 <= cx && h.box.x + h.box.w + 1 >= cx && h.box.y >= dot.box.y + dot.box.h - 1 && h.box.y - (dot.box.y + dot.box.h) <= 0.35 * em && h.box.h <= 1.1 * em);
    const host = below.sort((a, b) => a.box.y - b.box.y)[0];
    if (!host || host.comps.includes(dot.comps[0]!)) continue;
    const box = unionBox([host.box, dot.box]);
    const comps = [...host.comps, ...dot.comps];
    const cands = classifyComps(ctx, comps, box).filter((c) => DOTTED.has(c.label));
    const top = cands[0];
    const hostTop = host.cands[0];
    if (!top || !hostTop) continue;
    const dotless = DOTLESS.has(hostTop.label);
    if (top.score < (dotless ? 0.6 : 0.8) || (!dotless && top.score < hostTop.score - 0.02)) continue;
    out = [...out.filter((h) => h !== dot && h !== host), { comps, box, cands }];
  }
  return out;
}

/** Readings an i or j with its dot fused to the stem takes (heavy print, script sizes). */
const FUSED_DOT_LEAD = 0.1;
const STEMS = new Set(['l', '1', 't', 'I', '|', '\\ell', '\\mathrm { l }', '\\mathrm { I }', '\\iota']);

/**
 * An i whose dot touches its stem matches l or 1 about as well as i; in the grey picture the
 * joint is faint (a row of light ink between a solid dot and a solid stem), where an l's stem is
 * solid all along. Such a reading gives way to the close i or j.
 */
export function readFusedDots(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  return hyps.map((h) => {
    const top = h.cands[0];
    if (h.shape || h.comps.length !== 1 || !top || !STEMS.has(top.label) || h.box.h < 6) return h;
    const dotted = h.cands.find((c) => DOTTED.has(c.label) && c.score >= top.score - 0.06);
    if (!dotted || !faintJoint(ctx, h.comps[0]!, h.box)) return h;
    // The joint is evidence the template score does not see: the i leads by a clear margin, so
    // the look-alike pass (which weighs close readings by size) does not hand it back to the l.
    return { ...h, cands: [{ ...dotted, score: top.score + FUSED_DOT_LEAD }, ...h.cands.filter((c) => c !== dotted)] };
  });
}

function faintJoint(ctx: SegmentContext, id: number, box: Box): boolean {
  const own = id + 1;
  const rows: number[] = [];
  for (let y = box.y; y < box.y + box.h; y++) {
    let max = 0;
    for (let x = box.x; x < box.x + box.w; x++) {
      const p = y * ctx.map.width + x;
      if (ctx.map.labels[p] === own) max = Math.max(max, ctx.img.data[p]!);
    }
    rows.push(max);
  }
  const solid = Math.max(...rows);
  for (let r = 1; r < Math.floor(0.5 * rows.length); r++) {
    if (rows[r]! >= 0.55 * solid) continue;
    const above = Math.max(...rows.slice(0, r));
    const below = Math.max(...rows.slice(r + 1));
    if (above >= 0.75 * solid && below >= 0.75 * solid) return true;
  }
  return false;
}
