/**
 * Function names printed in one piece. Small or heavy print fuses the letters of `exp`, `ln`,
 * `lim` into one component, which then matches a single glyph (\infty, h, m) or is cut into
 * wrong pieces; or it fuses only some of them (`li` + `m`, `co` + `s`), each piece then read as
 * a glyph of its own. A wide component, or a run of up to three pieces printed almost touching
 * on one line, with the lone dots just above it (of its i), is compared with the whole-word
 * templates, kept apart from ordinary classification because fused italic letters (`bca`,
 * `n=0`) resemble words too: the word is taken only when it matches clearly, and better than
 * its pieces' own readings. Runs before dots are matched to stems under them.
 */
import { unionBox, type Box } from '../image/components';
import { observe, type SegmentContext, type SymbolHypothesis } from './context';

const WORD_MATCH = 0.8;
const WORD_LEAD = 0.02;
/** Pieces of one word: at most this far apart (em), and overlapping this much in height. */
const PIECE_GAP = 0.12;
const PIECE_OVERLAP = 0.5;
const MAX_PIECES = 3;
/** A word read across pieces must match better still: italic runs (`wan`) look like words too. */
const RUN_MATCH = 0.92;
const RUN_LEAD = 0.03;

export function readWholeWords(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  const isDot = (h: SymbolHypothesis): boolean => h.comps.length === 1 && !h.shape && h.box.w <= 2 * h.box.h && h.box.h <= 2 * h.box.w;
  const dots = hyps.filter(isDot);
  const tiny = (h: SymbolHypothesis): boolean => h.box.h < 0.3 * em && h.box.w < 0.3 * em;
  const pieces = hyps.filter((h) => !h.shape && h.comps.length === 1).sort((a, b) => a.box.x - b.box.x);
  const used = new Set<SymbolHypothesis>();
  const words: SymbolHypothesis[] = [];
  for (let i = 0; i < pieces.length; i++) {
    const first = pieces[i]!;
    if (used.has(first)) continue;
    let best: { run: SymbolHypothesis[]; over: SymbolHypothesis[]; word: SymbolHypothesis } | undefined;
    const run = [first];
    for (;;) {
      const box = unionBox(run.map((h) => h.box));
      if (box.w >= 1.3 * box.h && (run.length === 1 || !run.some(tiny))) {
        const over = dots.filter((d) => !run.includes(d) && !used.has(d) && dotOver(d.box, box, em));
        const comps = [...run.flatMap((h) => h.comps), ...over.flatMap((d) => d.comps)];
        const wordBox = unionBox([box, ...over.map((d) => d.box)]);
        const [word] = ctx.classifier.classify(observe(ctx, comps, wordBox), 1, (meta) => meta.kind === 'word');
        const own = run.reduce((s, h) => s + (h.cands[0]?.score ?? 0), 0) / run.length;
        const [match, lead] = run.length === 1 ? [WORD_MATCH, WORD_LEAD] : [RUN_MATCH, RUN_LEAD];
        if (word && word.score >= match && word.score >= own + lead && (!best || word.score > (best.word.cands[0]?.score ?? 0))) {
          best = { run: [...run], over, word: { comps, box: wordBox, cands: [word, ...(run.length === 1 ? first.cands : [])] } };
        }
      }
      if (run.length >= MAX_PIECES) break;
      const last = run[run.length - 1]!;
      const next = pieces.find((h) => h.box.x > last.box.x && !used.has(h) && !tiny(h) && sameWord(last.box, h.box, em));
      if (!next) break;
      run.push(next);
    }
    if (!best) continue;
    for (const h of [...best.run, ...best.over]) used.add(h);
    words.push(best.word);
  }
  return [...hyps.filter((h) => !used.has(h)), ...words];
}

/** A dot (small against the word's height) above its x-height, which ascenders (the l of lim)
 * may overtop, within the word's columns. */
function dotOver(d: Box, word: Box, em: number): boolean {
  const cx = d.x + d.w / 2;
  const small = d.w <= 0.3 * word.h && d.h <= 0.3 * word.h;
  const high = d.y + d.h <= word.y + 0.45 * word.h && d.y >= word.y - 0.35 * em;
  return small && high && cx >= word.x && cx <= word.x + word.w;
}

function sameWord(a: Box, b: Box, em: number): boolean {
  const gap = b.x - (a.x + a.w);
  const overlap = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return gap <= PIECE_GAP * em && overlap >= PIECE_OVERLAP * Math.min(a.h, b.h);
}
