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

const LABELS = new Map(
  readFileSync(join(IM2LATEX, 'labels.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t') as [string, string]),
);

/** A fixture's label with one token changed (`from` must occur in it): the errors bench/roundtrip-separation.mjs counts. */
function misread(file: string, from: string, to: string): string {
  const label = LABELS.get(file)!;
  if (!label.includes(from)) throw new Error(`${file}: "${from}" is not in its label`);
  return label.replace(from, to);
}

/** One symbol wrong, missing or extra in printed formulas (arXiv crops), each a different kind of slip. */
const ONE_TOKEN_WRONG: Array<[file: string, what: string, latex: string]> = [
  ['6331d9e7fd.png', 'a plus read as a minus', misread('6331d9e7fd.png', '} + q', '} - q')],
  ['6331d9e7fd.png', 'the = of a subscript dropped', misread('6331d9e7fd.png', '{ i = 1 }', '{ i 1 }')],
  ['91a55d2cb9.png', 'a superscript I dropped', misread('91a55d2cb9.png', '= x ^ { I }', '= x ^ { }')],
  ['91a55d2cb9.png', 'a 0 added', misread('91a55d2cb9.png', '( \\sigma ,', '( 0 \\sigma ,')],
  ['164f87aa84.png', 'an A read as a T', misread('164f87aa84.png', '\\hat { A } +', '\\hat { T } +')],
  ['164f87aa84.png', 'a plus read as a minus', misread('164f87aa84.png', '\\hat { A } +', '\\hat { A } -')],
  ['7c99ded238.png', 'a subscript plus read as a minus', misread('7c99ded238.png', '_ { + }', '_ { - }')],
  ['18457514f2.png', 'one sign of 97 tokens flipped', misread('18457514f2.png', '+ 1 \\right) ^ { { \\frac', '- 1 \\right) ^ { { \\frac')],
];

describe('scoreInkMatch on formulas', () => {
  it('scores the right LaTeX near 1 against a MathJax rendering of itself, and one symbol changed clearly lower', async () => {
    const latex = LABELS.get('91a55d2cb9.png')!;
    const source = await onPaper(await renderTex(latex, 30));
    const right = await scoreInkMatch(await renderTex(latex, 160), source);
    expect(right).toBeGreaterThan(0.97);
    for (const wrong of [misread('91a55d2cb9.png', '\\sigma +', '\\sigma -'), misread('91a55d2cb9.png', '= x ^', '= y ^')]) {
      expect([wrong, right - (await scoreInkMatch(await renderTex(wrong, 160), source)) > 0.1]).toEqual([wrong, true]);
    }
  });

  test.each(ONE_TOKEN_WRONG)('%s: %s scores clearly below the right label', async (file, _what, wrong) => {
    const source = readFileSync(join(IM2LATEX, file));
    const right = await scoreInkMatch(await renderTex(LABELS.get(file)!, 160), source);
    const misreadScore = await scoreInkMatch(await renderTex(wrong, 160), source);
    expect(right).toBeGreaterThan(0.95);
    // The old 48-pixel comparison put these within 0.01-0.07 of the right reading.
    expect(right - misreadScore).toBeGreaterThan(0.12);
  });

  it('keeps a right reading high when the source is JPEG-compressed, rescaled, blurred or cropped with a margin', async () => {
    const degrade: Record<string, (img: sharp.Sharp, width: number) => Promise<Buffer>> = {
      jpeg: (img) => img.jpeg({ quality: 40 }).toBuffer(),
      'scaled to 70%': (img, width) => img.resize({ width: Math.round(width * 0.7) }).png().toBuffer(),
      'scaled to 200%': (img, width) => img.resize({ width: width * 2 }).png().toBuffer(),
      blurred: (img) => img.blur(0.8).png().toBuffer(),
      'offset in a wider crop': (img) => img.extend({ top: 7, left: 11, bottom: 2, right: 5, background: '#ffffff' }).png().toBuffer(),
    };
    for (const file of ['6331d9e7fd.png', '91a55d2cb9.png', '164f87aa84.png', '18457514f2.png']) {
      const bytes = readFileSync(join(IM2LATEX, file));
      const { width } = await sharp(bytes).metadata();
      const rendered = await renderTex(LABELS.get(file)!, 160);
      for (const [how, make] of Object.entries(degrade)) {
        const score = await scoreInkMatch(rendered, await make(sharp(bytes).flatten({ background: '#ffffff' }), width!));
        expect([file, how, score > 0.9]).toEqual([file, how, true]);
      }
    }
  });

  it('scores printed formulas typeset with other fonts high when the LaTeX is right', async () => {
    for (const [file, latex] of LABELS) {
      const score = await scoreInkMatch(await renderTex(latex, 160), readFileSync(join(IM2LATEX, file)));
      expect(score).toBeGreaterThan(0.8);
    }
  });

  it('scores a wholly different formula low', async () => {
    const source = readFileSync(join(IM2LATEX, '91a55d2cb9.png'));
    // Ink lands near ink by chance (global F1 ~0.77), but some blob is left half uncovered.
    expect(await scoreInkMatch(await renderTex('\\int_0^1 f(t)\\,dt = \\frac{\\pi}{2}', 160), source)).toBeLessThan(0.65);
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

  it('judges every blob of ink on its own: a missing short bar costs its blob in full, one a pixel higher nothing within the tolerance', () => {
    const strokes = '##.##.##.##.##.##.##.##.';
    const source = mask([strokes, strokes, strokes, '........................', '........#######.........']);
    const without = mask([strokes, strokes, strokes, '........................', '........................']);
    const missing = compareAligned(without, source, 0);
    expect(missing.global).toBeGreaterThan(0.9);
    expect(missing.glyph).toBe(0);
    expect(missing.score).toBeLessThan(0.5);
    const raised = mask([strokes, strokes, strokes, '........#######.........', '........................']);
    // At this 5-pixel height a blob may move round(0.08 x 5) = 0 rows; on a taller canvas it may move more.
    expect(compareAligned(raised, source, 0).glyph).toBe(0);
    expect(compareAligned(raised, source, 1).glyph).toBe(1);
  });

  it('aligns columns so a shifted second glyph still matches', () => {
    // Both cropped to their ink, as inkMatch does; the second glyph sits further right in the source.
    const source = mask(['#.....#', '#.....#', '#.....#']);
    const rendered = mask(['#...#', '#...#', '#...#']);
    expect(compareAligned(rendered, source, 0)).toMatchObject({ precision: 1, recall: 1, score: 1 });
  });
});
