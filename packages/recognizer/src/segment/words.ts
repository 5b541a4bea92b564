/**
 * Function names printed in one piece. Small or heavy print fuses the letters of `exp`, `ln`,
 * `lim` into one component, which then matches a single glyph (\infty, h, m) or is cut into
 * wrong pieces. A wide component, with the lone dots just above it (of its i), is compared with
 * the whole-word templates, kept apart from ordinary classification because fused italic letters
 * (`bca`, `n=0`) resemble words too: the word is taken only when it matches clearly, and better
 * than the component's own reading. Runs before dots are matched to stems under them.
 */
import { unionBox } from '../image/components';
import { observe, type SegmentContext, type SymbolHypothesis } from './context';

const WORD_MATCH = 0.85;
const WORD_LEAD = 0.02;

export function readWholeWords(ctx: SegmentContext, hyps: SymbolHypothesis[]): SymbolHypothesis[] {
  const em = ctx.emHint;
  const dots = hyps.filter((h) => h.comps.length === 1 && !h.shape && h.box.w <= 2 * h.box.h && h.box.h <= 2 * h.box.w);
  const used = new Set<SymbolHypothesis>();
  const read = hyps.map((h) => {
    if (h.shape || h.comps.length !== 1 || h.box.w < 1.3 * h.box.h) return h;
    const over = dots.filter((d) => {
      const cx = d.box.x + d.box.w / 2;
      // A dot (small against the word's height) above its x-height, which ascenders (the l of
      // lim) may overtop.
      const small = d.box.w <= 0.3 * h.box.h && d.box.h <= 0.3 * h.box.h;
      const high = d.box.y + d.box.h <= h.box.y + 0.45 * h.box.h && d.box.y >= h.box.y - 0.35 * em;
      return !used.has(d) && small && high && cx >= h.box.x && cx <= h.box.x + h.box.w;
    });
    const comps = [...h.comps, ...over.flatMap((d) => d.comps)];
    const box = unionBox([h.box, ...over.map((d) => d.box)]);
    const [word] = ctx.classifier.classify(observe(ctx, comps, box), 1, (meta) => meta.kind === 'word');
    const own = h.cands[0]?.score ?? 0;
    if (!word || word.score < WORD_MATCH || word.score < own + WORD_LEAD) return h;
    for (const d of over) used.add(d);
    return { comps, box, cands: [word, ...h.cands] };
  });
  return read.filter((h) => !used.has(h));
}
