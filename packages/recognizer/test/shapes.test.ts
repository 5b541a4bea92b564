/**
 * waviness(): how far a flat mark's ink swings from a straight line, from grey levels, so a
 * tilde blurred into a bar's box is still told from a bar.
 */
import { waviness } from '../src/segment/shapes';
import type { Component } from '../src/image/components';
import type { InkImage } from '../src/image/ink-image';

/** A 2-pixel stroke along y = centre(x), anti-aliased by area, in a 30x12 picture. */
function stroke(centre: (x: number) => number): { img: InkImage; comp: Component } {
  const width = 30;
  const height = 12;
  const data = new Uint8Array(width * height);
  for (let x = 4; x < 26; x++) {
    const top = centre(x) - 1;
    for (let y = 0; y < height; y++) {
      const cover = Math.max(0, Math.min(y + 1, top + 2) - Math.max(y, top));
      data[y * width + x] = Math.round(255 * cover);
    }
  }
  return { img: { width, height, data }, comp: { id: 0, x: 4, y: 4, w: 22, h: 4, area: 44 } };
}

describe('waviness', () => {
  it('is about zero for a straight bar, level or sloping', () => {
    const level = stroke(() => 6);
    expect(waviness(level.img, level.comp)).toBeLessThan(0.05);
    const sloping = stroke((x) => 5 + x / 15);
    expect(waviness(sloping.img, sloping.comp)).toBeLessThan(0.1);
  });

  it('measures the swing of a tilde-like wave', () => {
    const wave = stroke((x) => 6 + 0.3 * Math.sin(((x - 4) / 22) * 2 * Math.PI));
    const w = waviness(wave.img, wave.comp);
    // 0.6 px peak to peak, less what the straight line through one whole period takes up.
    expect(w).toBeGreaterThan(0.3);
    expect(w).toBeLessThan(0.7);
  });

  it('is zero for a mark too short to have a middle', () => {
    const dot = stroke(() => 6);
    expect(waviness(dot.img, { ...dot.comp, w: 3 })).toBe(0);
  });
});
