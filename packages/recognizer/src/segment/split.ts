/**
 * Touching glyphs. Print fuses neighbours often (a superscript with its base, kerned letters,
 * a subscript with the superscript above it). A single component that matches no template well
 * is cut at its thinnest columns (at one or several at once), or, when it is tall, at its
 * thinnest rows, and the cut whose pieces match clearly better than the whole is kept; pieces
 * are split again, a few levels deep.
 */
import { tightBox } from '../classify/crop';
import type { Box } from '../image/components';
import { classifyComps, ruleMeta, type SegmentContext, type SymbolHypothesis } from './context';

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

/** Column cuts considered together at most (the thinnest): 2^6 ways to cut a component. */
const MAX_COLUMN_CUTS = 6;
/** Each piece beyond two must add this much to the mean score: fewer pieces win a tie. */
const EXTRA_PIECE_COST = 0.01;
/** A cut into k >= 3 pieces needs a component at least this many heights wide per piece. */
const MIN_WIDTH_PER_PIECE = 0.6;

export function maybeSplit(ctx: SegmentContext, hyp: SymbolHypothesis, depth: number): SymbolHypothesis[] {
  if (hyp.shape || hyp.comps.length !== 1 || depth > 3) return [hyp];
  const whole = scoreOf(hyp);
  const { box } = hyp;
  if (whole >= NO_SPLIT_ABOVE) return [hyp];
  const id = hyp.comps[0]!;
  let best: { score: number; pieces: SymbolHypothesis[] } = { score: whole + SPLIT_GAIN, pieces: [] };
  const read = (b: Box): SymbolHypothesis | undefined => {
    const tight = tightBox(ctx.map, [id], b);
    return tight ? { comps: [id], box: tight, cands: classifyComps(ctx, [id], tight) } : undefined;
  };
  /** Pieces in order; their score is their mean, weighted by extent along the cut direction. */
  const consider = (pieces: SymbolHypothesis[], vertical: boolean): void => {
    if (pieces.some((p) => scoreOf(p) <= 0.6)) return;
    const extent = (p: SymbolHypothesis): number => (vertical ? p.box.w : p.box.h);
    // A sliver of almost any glyph matches a comma, dot or prime stroke well: such a piece must
    // win by more (the `n` of a kerned `a_n` was cut into `,` and a dotless i).
    const extra = pieces.some(isMark) ? MARK_SPLIT_GAIN - SPLIT_GAIN : 0;
    const total = pieces.reduce((sum, p) => sum + extent(p), 0);
    const score = pieces.reduce((sum, p) => sum + scoreOf(p) * extent(p), 0) / total - extra - EXTRA_PIECE_COST * (pieces.length - 2);
    if (score > best.score) best = { score, pieces };
  };
  if (box.w >= 0.5 * box.h && box.w >= 6) {
    // Two, three or more glyphs fused side by side (`cos`, `ca`): every way of cutting at the
    // thin columns, each piece read once.
    const ink = profile(ctx, id, box, true);
    const minPiece = Math.max(2, Math.round(0.15 * box.h));
    const cuts = thinCuts(ink, box.h, minPiece)
      .sort((a, b) => ink[a]! - ink[b]!)
      .slice(0, MAX_COLUMN_CUTS)
      .sort((a, b) => a - b);
    const slabs = new Map<string, SymbolHypothesis | undefined>();
    const slab = (from: number, to: number): SymbolHypothesis | undefined => {
      const key = `${from}:${to}`;
      if (!slabs.has(key)) slabs.set(key, read({ x: box.x + from, y: box.y, w: to - from, h: box.h }));
      return slabs.get(key);
    };
    for (let mask = 1; mask < 1 << cuts.length; mask++) {
      const at = [0, ...cuts.filter((_, k) => mask & (1 << k)), box.w];
      if (at.some((x, k) => k > 0 && x - at[k - 1]! < minPiece)) continue;
      // Three or more glyphs side by side make a wide component; a square one cut in three is a
      // `+` or `\times` losing its arms.
      if (at.length > 3 && box.w < MIN_WIDTH_PER_PIECE * (at.length - 1) * box.h) continue;
      const pieces: SymbolHypothesis[] = [];
      for (let k = 0; k + 1 < at.length; k++) {
        const p = slab(at[k]!, at[k + 1]!);
        if (!p) break;
        pieces.push(p);
      }
      if (pieces.length === at.length - 1) consider(pieces, true);
    }
  }
  // A stack of scripts fused top to bottom is taller than a glyph of the line.
  const kind = hyp.cands[0]?.template.kind;
  const tallShape = kind === 'open' || kind === 'close' || kind === 'fence' || kind === 'bigop' || kind === 'integral';
  if (box.h >= 0.85 * ctx.emHint && box.h <= 1.7 * ctx.emHint && box.h >= 8 && box.h >= 1.4 * box.w && !(tallShape && whole > 0.75)) {
    for (const i of thinCuts(profile(ctx, id, box, false), box.w, Math.max(3, Math.round(0.25 * box.h)))) {
      const cut = box.y + i;
      const top = read({ x: box.x, y: box.y, w: box.w, h: cut - box.y });
      const bottom = read({ x: box.x, y: cut, w: box.w, h: box.y + box.h - cut });
      if (top && bottom) consider([top, bottom], false);
    }
  }
  if (best.pieces.length === 0) return [hyp];
  return best.pieces.flatMap((p) => maybeSplit(ctx, p, depth + 1));
}

/** A fused bar must explain the component clearly better than the reading of the whole. */
const BAR_SPLIT_GAIN = 0.15;
const BAR_SPLIT_BELOW = 0.75;

/**
 * A fraction bar fused with a glyph of its numerator or denominator (at script sizes a `D` or a
 * parenthesis touches the bar): a run of thin rows at full width with much narrower ink above or
 * below. The rows become a rule and the rest of the component falls apart into its own pieces,
 * each read on its own; kept when the pieces read clearly better than the whole.
 */
export function splitFusedBar(ctx: SegmentContext, hyp: SymbolHypothesis): SymbolHypothesis[] {
  const whole = scoreOf(hyp);
  const { box } = hyp;
  if (hyp.shape || hyp.comps.length !== 1 || whole >= BAR_SPLIT_BELOW || box.w < 0.6 * ctx.emHint || box.w < 8) return [hyp];
  const id = hyp.comps[0]!;
  const rows = profile(ctx, id, box, false);
  const full = rows.map((n) => n >= 0.85 * box.w);
  const maxThickness = Math.max(2, Math.round(0.16 * ctx.emHint)) + 1;
  for (let start = 0; start < rows.length; start++) {
    if (!full[start] || (start > 0 && full[start - 1])) continue;
    let end = start;
    while (end + 1 < rows.length && full[end + 1]) end++;
    if (end - start + 1 > maxThickness) continue;
    // Next to the bar the ink is much narrower than the bar (a glyph standing on it).
    const above = start > 0 ? rows[start - 1]! : 0;
    const below = end + 1 < rows.length ? rows[end + 1]! : 0;
    if (above > 0.6 * box.w || below > 0.6 * box.w || (above === 0 && below === 0)) continue;
    const bar: Box = { x: box.x, y: box.y + start, w: box.w, h: end - start + 1 };
    const pieces = pieceBoxes(ctx, id, box, bar);
    if (pieces.length === 0 || isCross(pieces, bar)) continue;
    const read = pieces.map((b) => ({ comps: [id], box: b, cands: classifyComps(ctx, [id], b) }) as SymbolHypothesis);
    const mean = read.reduce((sum, h) => sum + scoreOf(h), 0) / read.length;
    if (mean < whole + BAR_SPLIT_GAIN || read.some((h) => scoreOf(h) < 0.7)) continue;
    const rule: SymbolHypothesis = { comps: [id], box: bar, cands: [{ label: '-', score: 1, template: ruleMeta(bar, ctx.emHint) }], shape: 'rule' };
    return [rule, ...read];
  }
  return [hyp];
}

/** A stroke crossing the bar (`+`, `\\pm`, `\\dagger`): one narrow piece above and one below, centred. */
function isCross(pieces: Box[], bar: Box): boolean {
  if (pieces.length !== 2) return false;
  const centre = bar.x + bar.w / 2;
  const [a, b] = [...pieces].sort((p, q) => p.y - q.y) as [Box, Box];
  const narrowCentred = (p: Box): boolean => p.w < 0.25 * bar.w && Math.abs(p.x + p.w / 2 - centre) < 0.12 * bar.w;
  return a.y + a.h <= bar.y && b.y >= bar.y + bar.h && narrowCentred(a) && narrowCentred(b);
}

/** Boxes of the 8-connected pieces of component `id` inside `box` once the `bar` rows are removed. */
function pieceBoxes(ctx: SegmentContext, id: number, box: Box, bar: Box): Box[] {
  const own = id + 1;
  const seen = new Uint8Array(box.w * box.h);
  const inBar = (y: number): boolean => y >= bar.y && y < bar.y + bar.h;
  const ink = (x: number, y: number): boolean => x >= box.x && y >= box.y && x < box.x + box.w && y < box.y + box.h && !inBar(y) && ctx.map.labels[y * ctx.map.width + x] === own;
  const out: Box[] = [];
  for (let y = box.y; y < box.y + box.h; y++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      const k = (y - box.y) * box.w + (x - box.x);
      if (seen[k] || !ink(x, y)) continue;
      let x0 = x, x1 = x, y0 = y, y1 = y, area = 0;
      const stack = [[x, y] as [number, number]];
      seen[k] = 1;
      while (stack.length > 0) {
        const [px, py] = stack.pop()!;
        area++;
        if (px < x0) x0 = px;
        if (px > x1) x1 = px;
        if (py < y0) y0 = py;
        if (py > y1) y1 = py;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const nx = px + dx;
            const ny = py + dy;
            if (!ink(nx, ny)) continue;
            const nk = (ny - box.y) * box.w + (nx - box.x);
            if (seen[nk]) continue;
            seen[nk] = 1;
            stack.push([nx, ny]);
          }
        }
      }
      // Stubs of the bar's own anti-aliased edge are not pieces.
      if (area >= 4 && y1 - y0 + 1 >= 3) out.push({ x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 });
    }
  }
  return out;
}
