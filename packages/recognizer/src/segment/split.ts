/**
 * Touching glyphs. Print fuses neighbours often (a superscript with its base, kerned letters,
 * a subscript with the superscript above it). A single component that matches no template well
 * is cut at its thinnest columns, or, when it is tall, at its thinnest rows, and the cut whose
 * pieces match clearly better than the whole is kept; pieces are split again, a few levels deep.
 */
import { tightBox } from '../classify/crop';
import type { Box } from '../image/components';
import { classifyComps, type SegmentContext, type SymbolHypothesis } from './context';

const SPLIT_GAIN = 0.05;
/** A component matching this well is one glyph: no split is tried. */
const NO_SPLIT_ABOVE = 0.9;

const MARK_SPLIT_GAIN = 0.12;
const MARK_KINDS = new Set(['punct', 'dot', 'prime']);

function isMark(h: SymbolHypothesis): boolean {
  return MARK_KINDS.has(h.cands[0]?.template.kind ?? '');
}

function scoreOf(h: SymbolHypothesis): number {
  return h.cands[0]?.score ?? 0;
}

/** Ink of component `id` per column (`vertical`) or per row of `box`. */
function profile(ctx: SegmentContext, id: number, box: Box, vertical: boolean): number[] {
  const own = id + 1;
  const out: number[] = [];
  const [outer, inner] = vertical ? [box.w, box.h] : [box.h, box.w];
  for (let i = 0; i < outer; i++) {
    let n = 0;
    for (let j = 0; j < inner; j++) {
      const x = box.x + (vertical ? i : j);
      const y = box.y + (vertical ? j : i);
      if (ctx.map.labels[y * ctx.map.width + x] === own) n++;
    }
    out.push(n);
  }
  return out;
}

/** Positions (offsets into the profile) of thin local minima that leave pieces of `minPiece`. */
function thinCuts(ink: number[], across: number, minPiece: number): number[] {
  const cuts: number[] = [];
  for (let i = minPiece; i <= ink.length - minPiece; i++) {
    const n = ink[i]!;
    const localMin = n <= (ink[i - 1] ?? Infinity) && n <= (ink[i + 1] ?? Infinity);
    if (localMin && n <= Math.max(2, 0.35 * across)) cuts.push(i);
  }
  return cuts;
}

export function maybeSplit(ctx: SegmentContext, hyp: SymbolHypothesis, depth: number): SymbolHypothesis[] {
  if (hyp.shape || hyp.comps.length !== 1 || depth > 3) return [hyp];
  const whole = scoreOf(hyp);
  const { box } = hyp;
  if (whole >= NO_SPLIT_ABOVE) return [hyp];
  const id = hyp.comps[0]!;
  let best: { score: number; pieces: SymbolHypothesis[] } = { score: whole + SPLIT_GAIN, pieces: [] };
  const tryCut = (a: Box, b: Box, vertical: boolean): void => {
    const first = tightBox(ctx.map, [id], a);
    const second = tightBox(ctx.map, [id], b);
    if (!first || !second) return;
    const p: SymbolHypothesis = { comps: [id], box: first, cands: classifyComps(ctx, [id], first) };
    const q: SymbolHypothesis = { comps: [id], box: second, cands: classifyComps(ctx, [id], second) };
    const [wp, wq] = vertical ? [first.w, second.w] : [first.h, second.h];
    // A sliver of almost any glyph matches a comma, dot or prime stroke well: such a piece must
    // win by more (the `n` of a kerned `a_n` was cut into `,` and a dotless i).
    const extra = isMark(p) || isMark(q) ? MARK_SPLIT_GAIN - SPLIT_GAIN : 0;
    const score = (scoreOf(p) * wp + scoreOf(q) * wq) / (wp + wq) - extra;
    if (score > best.score && Math.min(scoreOf(p), scoreOf(q)) > 0.6) best = { score, pieces: [p, q] };
  };
  if (box.w >= 0.5 * box.h && box.w >= 6) {
    for (const i of thinCuts(profile(ctx, id, box, true), box.h, Math.max(2, Math.round(0.15 * box.h)))) {
      const cut = box.x + i;
      tryCut({ x: box.x, y: box.y, w: cut - box.x, h: box.h }, { x: cut, y: box.y, w: box.x + box.w - cut, h: box.h }, true);
    }
  }
  // A stack of scripts fused top to bottom is taller than a glyph of the line.
  const kind = hyp.cands[0]?.template.kind;
  const tallShape = kind === 'open' || kind === 'close' || kind === 'fence' || kind === 'bigop' || kind === 'integral';
  if (box.h >= 0.85 * ctx.emHint && box.h <= 1.7 * ctx.emHint && box.h >= 8 && box.h >= 1.4 * box.w && !(tallShape && whole > 0.75)) {
    for (const i of thinCuts(profile(ctx, id, box, false), box.w, Math.max(3, Math.round(0.25 * box.h)))) {
      const cut = box.y + i;
      tryCut({ x: box.x, y: box.y, w: box.w, h: cut - box.y }, { x: box.x, y: cut, w: box.w, h: box.y + box.h - cut }, false);
    }
  }
  if (best.pieces.length === 0) return [hyp];
  return best.pieces.flatMap((p) => maybeSplit(ctx, p, depth + 1));
}
