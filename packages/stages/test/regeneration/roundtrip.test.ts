import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { texToSvg } from '../../src/regeneration/mathjax';
import { rasteriseSvg } from '../../src/regeneration/roundtrip-checks';
import { compareAligned, compareMasks, inkMatch, scoreInkMatch } from '../../src/regeneration/roundtrip';

const IM2LATEX = join(__dirname, '../../../../test/fixtures/im2latex');

async function renderTex(latex: string, height: number, display = true): Promise<Buffer> {
  const { svg, error } = await texToSvg(latex, display);
  if (!svg) throw new Error(`test formula does not render: ${error}`);
  return rasteriseSvg(svg, height);
}

/** A page crop: the formula at a small size on white paper with margins, as it would be cut from a scan. */
async function onPaper(png: Buffer, margin = 12): Promise<Buffer> {
  return sharp(png).extend({ top: margin, bottom: margin, left: margin, right: 3 * margin, background: '#ffffff' }).png().toBuffer();
}

const STRING_EQUATION = 'x ^ { I } ( \\sigma + 2 \\pi , \\tau ) = x ^ { I } ( \\sigma , \\tau ) + 2 \\pi L ^ { I } .';
/** The same with one symbol changed: a plus read as a minus, an x read as a y. */
const SIGN_CHANGED = STRING_EQUATION.replace('\\sigma +', '\\sigma -');
const LETTER_CHANGED = STRING_EQUATION.replace('= x ^', '= y ^');

describe('scoreInkMatch on formulas', () => {
  it('scores the right LaTeX near 1 and clearly above one with a symbol changed, against a MathJax rendering', async () => {
    const source = await onPaper(await renderTex(STRING_EQUATION, 30));
    const right = await scoreInkMatch(await renderTex(STRING_EQUATION, 160), source);
    expect(right).toBeGreaterThan(0.97);
    for (const wrong of [SIGN_CHANGED, LETTER_CHANGED]) {
      expect(right - (await scoreInkMatch(await renderTex(wrong, 160), source))).toBeGreaterThan(0.04);
    }
  });

  it('scores the right LaTeX clearly above one with a symbol changed, against a printed im2latex formula', async () => {
    const source = readFileSync(join(IM2LATEX, '91a55d2cb9.png'));
    const right = await scoreInkMatch(await renderTex(STRING_EQUATION, 160), source);
    expect(right).toBeGreaterThan(0.9);
    for (const wrong of [SIGN_CHANGED, LETTER_CHANGED]) {
      expect(right - (await scoreInkMatch(await renderTex(wrong, 160), source))).toBeGreaterThan(0.05);
    }
  });

  it('scores printed formulas typeset with other fonts high when the LaTeX is right', async () => {
    const labels = new Map(
      readFileSync(join(IM2LATEX, 'labels.tsv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split('\t') as [string, string]),
    );
    for (const [file, latex] of labels) {
      const score = await scoreInkMatch(await renderTex(latex, 160), readFileSync(join(IM2LATEX, file)));
      expect(score).toBeGreaterThan(0.8);
    }
  });

  it('scores a wholly different formula low', async () => {
    const source = readFileSync(join(IM2LATEX, '91a55d2cb9.png'));
    expect(await scoreInkMatch(await renderTex('\\int_0^1 f(t)\\,dt = \\frac{\\pi}{2}', 160), source)).toBeLessThan(0.6);
  });

  it('forgives spacing differences between typesetters but not a missing term', async () => {
    const source = await onPaper(await renderTex('a + b \\qquad = \\qquad c', 40));
    const tight = await inkMatch(await renderTex('a + b = c', 160), source);
    expect(tight.score).toBeGreaterThan(0.9);
    const missing = await inkMatch(await renderTex('a = c', 160), source);
    expect(missing.recall).toBeLessThan(tight.recall - 0.2);
    expect(missing.score).toBeLessThan(tight.score - 0.3);
  });

  it('gives 0 when either side has no ink', async () => {
    const blank = await sharp({ create: { width: 200, height: 50, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const formula = await renderTex('x + y', 160);
    expect(await scoreInkMatch(formula, blank)).toBe(0);
    expect(await scoreInkMatch(blank, formula)).toBe(0);
  });
});

describe('scoreInkMatch on registered regions (frame)', () => {
  const drawing = (cx: number): Buffer =>
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="150"><rect width="200" height="150" fill="#fff"/><circle cx="${cx}" cy="75" r="50" fill="none" stroke="#000" stroke-width="2"/><line x1="20" y1="140" x2="180" y2="140" stroke="#000" stroke-width="2"/></svg>`);

  it('scores the same drawing near 1 and a displaced circle much lower', async () => {
    const source = await sharp(drawing(100)).png().toBuffer();
    expect(await scoreInkMatch(await sharp(drawing(100)).png().toBuffer(), source, { align: 'frame' })).toBeGreaterThan(0.95);
    expect(await scoreInkMatch(await sharp(drawing(130)).png().toBuffer(), source, { align: 'frame' })).toBeLessThan(0.6);
  });
});

describe('mask comparison', () => {
  const mask = (rows: string[]) => ({
    width: rows[0]!.length,
    height: rows.length,
    data: Uint8Array.from(rows.join('').split('').map((c) => (c === '#' ? 1 : 0))),
  });

  it('counts precision and recall within the tolerance', () => {
    const source = mask(['#...#', '#...#', '#...#']);
    const rendered = mask(['#....', '#....', '#....']);
    expect(compareMasks(rendered, source, 0)).toMatchObject({ precision: 1, recall: 0.5, score: 2 / 3 });
  });

  it('aligns columns so a shifted second glyph still matches', () => {
    // Both cropped to their ink, as inkMatch does; the second glyph sits further right in the source.
    const source = mask(['#.....#', '#.....#', '#.....#']);
    const rendered = mask(['#...#', '#...#', '#...#']);
    expect(compareAligned(rendered, source, 0)).toMatchObject({ precision: 1, recall: 1, score: 1 });
  });
});
