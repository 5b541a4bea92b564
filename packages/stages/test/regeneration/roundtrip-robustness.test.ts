/**
 * What the formula round trip forgives and what it does not: the comma OCR's word box puts after
 * a formula, and a bolder face than MathJax's, are not held against a right reading; a changed
 * symbol still is.
 */
import sharp from 'sharp';
import { imageInkMask, inkBox, strokeWidth } from '../../src/regeneration/ink-mask';
import { texToSvg } from '../../src/regeneration/mathjax';
import { inkMatch, strokeAllowance } from '../../src/regeneration/roundtrip';
import { formulaInk, rasteriseSvg } from '../../src/regeneration/roundtrip-checks';
import { inkBoxWithoutTrailingPunctuation, withoutTrailingPunctuation } from '../../src/regeneration/trailing-punctuation';
import type { InkMask } from '../../src/regeneration/ink-mask';

/** A mask from rows of '#' and '.'. */
function maskOf(rows: string[]): InkMask {
  const width = rows[0]!.length;
  return { width, height: rows.length, data: Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0))) };
}

async function renderTex(latex: string, height: number): Promise<Buffer> {
  const { svg, error } = await texToSvg(latex, false);
  if (!svg) throw new Error(`test formula does not render: ${error}`);
  return rasteriseSvg(svg, height);
}

async function onPaper(png: Buffer, margin = 10): Promise<Buffer> {
  return sharp(png).extend({ top: margin, bottom: margin, left: margin, right: margin, background: '#ffffff' }).png().toBuffer();
}

describe("a formula's own ink around its box", () => {
  test('takes a glyph its box clips whole and leaves out a neighbour it only grazes', () => {
    const width = 100;
    const height = 30;
    const data = new Uint8Array(width * height).fill(255);
    const ink = (x0: number, x1: number, y0: number, y1: number) => {
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * width + x] = 0;
    };
    ink(14, 24, 8, 21); // a glyph the box cuts through (7 of its 11 columns inside)
    ink(30, 40, 8, 21); // a glyph wholly inside
    ink(60, 75, 8, 21); // the next word, 3 of its 16 columns inside
    const own = formulaInk({ data, width, height }, { x: 18, y: 8, w: 45, h: 14 })!;
    // Kept: 14..40 with the 2 px margin; the next word is white.
    expect([own.width, own.height]).toEqual([31, 18]);
    expect(own.data.filter((v) => v === 0).length).toBe(2 * 11 * 14);
  });
});

describe('trailing punctuation in the source region', () => {
  test('finds the comma after a formula and leaves it out of the ink box', async () => {
    const mask = await imageInkMask(await onPaper(await renderTex('AB = 30,', 40)));
    const whole = inkBox(mask)!;
    const trimmed = inkBoxWithoutTrailingPunctuation(mask)!;
    expect(trimmed.w).toBeLessThan(whole.w);
    expect(trimmed.h).toBeLessThan(whole.h); // the comma's tail hung below the baseline
  });

  test('finds a comma the glyph before it reaches over, with no blank column between them ("27," in a textbook font)', () => {
    // The bar of the 7 ends in the column before the comma's first; the comma hangs below the baseline.
    const seven = maskOf([
      '..#####...#########....',
      '.##...##..#########....',
      '.....##.........##.....',
      '.....##........##......',
      '....##.........##......',
      '...##.........##.......',
      '..##..........##.......',
      '.##..........##........',
      '##..........##.........',
      '#######.....##.........',
      '#######....##......###.',
      '...................###.',
      '....................##.',
      '...................##..',
      '..................##...',
    ]);
    const trimmed = withoutTrailingPunctuation(seven)!;
    expect(trimmed.box).toEqual({ x: 0, y: 0, w: 19, h: 11 });
    expect(trimmed.mask.data.reduce((n, v) => n + v, 0)).toBeLessThan(seven.data.reduce((n, v) => n + v, 0));
  });

  test('finds a full stop after a letter whose descender makes the stop look high in the box ("y.")', () => {
    // The stop's top is at 46% of the box (a comma's rule wants 50%), but in the lower 60% of the y.
    const y = maskOf([
      '##.....##....',
      '##.....##....',
      '.##...##.....',
      '.##...##.....',
      '..##.##......',
      '..##.##......',
      '...###....##.',
      '...###....##.',
      '...##........',
      '..##.........',
      '..##.........',
      '.##..........',
      '##...........',
    ]);
    expect(withoutTrailingPunctuation(y)!.box).toEqual({ x: 0, y: 0, w: 9, h: 13 });
  });

  test('keeps a small script under a fraction bar at the end of a formula', () => {
    const fraction = maskOf([
      '....####..............',
      '....#..#..............',
      '....####..............',
      '######################',
      '...#####.........##...',
      '...#...#.........##...',
      '...#...#..............',
      '...#####..............',
    ]);
    // Mark-sized and low, but under a bar, not beside a glyph twice its height.
    expect(withoutTrailingPunctuation(fraction)!.box).toEqual({ x: 0, y: 0, w: 22, h: 8 });
  });

  test('keeps a subscript, a closing bracket or a last letter', async () => {
    for (const latex of ['x_1', 'f(x)', 'AB']) {
      const mask = await imageInkMask(await onPaper(await renderTex(latex, 40)));
      expect([latex, inkBoxWithoutTrailingPunctuation(mask)]).toEqual([latex, inkBox(mask)]);
    }
  });

  test('a right reading scores as high against its region with a comma as without, a changed symbol lower', async () => {
    const withComma = await onPaper(await renderTex('AM = 30,', 30));
    const without = await onPaper(await renderTex('AM = 30', 30));
    const right = await renderTex('AM = 30', 160);
    const options = { ignoreTrailingPunctuation: true };
    const scoreWithComma = (await inkMatch(right, withComma, options)).score;
    expect(scoreWithComma).toBeGreaterThan(0.95);
    expect(Math.abs(scoreWithComma - (await inkMatch(right, without, options)).score)).toBeLessThan(0.03);
    expect((await inkMatch(right, withComma)).score).toBeLessThan(scoreWithComma - 0.05);
    expect((await inkMatch(await renderTex('AN = 30', 160), withComma, options)).score).toBeLessThan(scoreWithComma);
  });
});

describe('stroke weight', () => {
  test('measures a bold face as thicker than the regular one', async () => {
    const regular = await imageInkMask(await renderTex('ABM', 48));
    const bold = await imageInkMask(await renderTex('\\boldsymbol{ABM}', 48));
    expect(strokeWidth(bold)).toBeGreaterThan(strokeWidth(regular) * 1.2);
  });

  test('gives the thinner side extra reach for half the difference in stroke width', async () => {
    const regular = await imageInkMask(await renderTex('ND', 48));
    const bold = await imageInkMask(await renderTex('\\boldsymbol{ND}', 48));
    expect(strokeAllowance(regular, bold).rendered).toBeGreaterThan(0);
    expect(strokeAllowance(regular, bold).source).toBe(0);
    expect(strokeAllowance(regular, regular)).toEqual({ rendered: 0, source: 0 });
  });

  test('scores the regular rendering of a bold source high, and a changed letter lower', async () => {
    const source = await onPaper(await renderTex('\\boldsymbol{CN}', 26));
    const right = (await inkMatch(await renderTex('CN', 160), source)).score;
    expect(right).toBeGreaterThan(0.9);
    for (const wrong of ['CM', 'GN', 'ON']) expect([wrong, (await inkMatch(await renderTex(wrong, 160), source)).score < right - 0.02]).toEqual([wrong, true]);
  });
});
