/**
 * Function names printed in one piece. Small or heavy print fuses the letters of `exp`, `ln`,
 * `cos` into one component, which then matches a single glyph (\infty, h) or is cut into
 * wrong pieces. A wide component is compared with the whole-word templates, kept apart from
 * ordinary classification because fused italic letters (`bca`, `n=0`) resemble words too: the
 * word is taken only when it matches clearly, and better than the component's own reading.
 */
import { observe, type SegmentContext, type SymbolHypothesis } from './context';

const WORD_MATCH = 0.85;
const WORD_LEAD = 0.02;

export function readWholeWords(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  return hyps.map((h) => {
    if (h.shape || h.comps.length !== 1 || h.box.w < 1.3 * h.box.h) return h;
    const [word] = ctx.classifier.classify(observe(ctx, h.comps, h.box), 1, (meta) => meta.kind === 'word');
    const own = h.cands[0]?.score ?? 0;
    if (!word || word.score < WORD_MATCH || word.score < own + WORD_LEAD) return h;
    return { ...h, cands: [word, ...h.cands] };
  });
}
