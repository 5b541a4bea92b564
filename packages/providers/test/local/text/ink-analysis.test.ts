/**
 * Ink analysis and OCR preprocessing on real fixtures and small images built in the test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { toGray } from '@mpp/imaging';
import { analyseInk } from '../../../src/local/text/ink-analysis';
import { chooseUpscale, prepareForOcr } from '../../../src/local/text/preprocess';

const FIXTURES = path.join(__dirname, '../../../../../test/fixtures');
const textbook11 = readFileSync(path.join(FIXTURES, 'textbook/11/img_problem.png'));

describe('analyseInk', () => {
  it('finds the body text size and the circle diagram of textbook/11 as line art', async () => {
    const ink = analyseInk(await toGray(textbook11));
    // Capitals and digits of the 11-point-ish text are about 21 px tall.
    expect(ink.glyphHeight).toBeGreaterThanOrEqual(15);
    expect(ink.glyphHeight).toBeLessThanOrEqual(25);
    const art = ink.lineArt.map((i) => ink.components[i]!.bbox);
    expect(art.length).toBeGreaterThanOrEqual(1);
    // The circle (centre about (898,128), radius 95) is on the right; no prose glyph is line art.
    expect(art.some((b) => b.x > 760 && b.w > 150 && b.h > 150)).toBe(true);
    expect(art.every((b) => b.x > 700)).toBe(true);
    expect(ink.inverted).toBe(false);
  });

  it('keeps a filled banner (dense ink) out of the line art so the light text in it survives', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="white"/>' +
        '<rect x="10" y="10" width="380" height="60" fill="#1060a0"/>' +
        '<circle cx="200" cy="140" r="50" fill="none" stroke="black" stroke-width="2"/></svg>',
    );
    const ink = analyseInk(await toGray(await sharp(svg).png().toBuffer()));
    const art = ink.lineArt.map((i) => ink.components[i]!.bbox);
    expect(art).toHaveLength(1);
    expect(art[0]!.y).toBeGreaterThan(80);
  });

  it('detects a light-on-dark page and inverts it', async () => {
    const gray = await toGray(await sharp(textbook11).negate({ alpha: false }).png().toBuffer());
    const ink = analyseInk(gray);
    expect(ink.inverted).toBe(true);
    // After inversion the page corner is paper again.
    expect(gray.data[0]).toBeGreaterThan(200);
  });
});

describe('prepareForOcr', () => {
  it('erases line art and keeps the text ink', async () => {
    const prepared = await prepareForOcr(textbook11);
    const { data, info } = await sharp(prepared.png).raw().toBuffer({ resolveWithObject: true });
    const inkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (data[(y * info.width + x) * info.channels]! < 128) n++;
      return n;
    };
    expect(prepared.scale).toBe(1);
    // The circle's leftmost stroke (about x 803, y 128) is gone; "Find each measure." is still there.
    expect(inkIn(798, 110, 810, 146)).toBe(0);
    expect(inkIn(13, 52, 293, 75)).toBeGreaterThan(500);
  });

  it('chooses an upscale for small glyphs only, bounded by the pixel budget', () => {
    expect(chooseUpscale(undefined, 500, 500)).toBe(1);
    expect(chooseUpscale(21, 1000, 300)).toBe(1);
    expect(chooseUpscale(10, 400, 50)).toBe(2.25);
    expect(chooseUpscale(5, 400, 50)).toBe(3);
    expect(chooseUpscale(10, 4000, 4000)).toBe(1);
  });
});
