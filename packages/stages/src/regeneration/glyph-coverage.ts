/**
 * Coverage glyph by glyph: of each 8-connected blob of ink (a symbol, or symbols the print fused),
 * the share that the other side's ink covers, with the blob free to move up or down a little as a
 * whole (typesetters place a fraction bar, an exponent or a subscript a few pixels apart). A right
 * reading in another face leaves thin uncovered slivers spread over every glyph; a wrong, missing
 * or extra symbol leaves much of one blob uncovered, which the whole image's F1 dilutes among all
 * the others and this does not. Moving a blob rigidly forgives placement, never a changed shape.
 */
import { inkBlobs, type InkMask } from './ink-mask';

/** Whether the other side has ink near pixel (x, y) of this side, after the column alignment. */
export type CoveredAt = (x: number, y: number) => boolean;

/**
 * The lowest coverage of any blob of `mask` of at least `minArea` pixels, each blob taken at its
 * best vertical shift within `reach` pixels. 1 when no blob is that large.
 */
export function worstGlyphCoverage(mask: InkMask, coveredAt: CoveredAt, minArea: number, reach: number): number {
  let worst = 1;
  for (const pixels of inkBlobs(mask, minArea)) {
    let best = 0;
    for (let dy = -reach; dy <= reach && best < pixels.length; dy++) {
      let hits = 0;
      for (const p of pixels) {
        const x = p % mask.width;
        if (coveredAt(x, (p - x) / mask.width + dy)) hits++;
      }
      best = Math.max(best, hits);
    }
    worst = Math.min(worst, best / pixels.length);
  }
  return worst;
}
