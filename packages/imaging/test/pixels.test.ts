import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { otsuThreshold, toGray } from '@mpp/imaging';

const FIXTURES = join(__dirname, '../../../test/fixtures');

describe('toGray', () => {
  it('gives one byte per pixel with transparency read as white paper', async () => {
    const problem = readFileSync(join(FIXTURES, 'textbook/11/img_problem.png'));
    const gray = await toGray(problem);
    expect(gray.width).toBe(1031);
    expect(gray.height).toBe(293);
    expect(gray.data.length).toBe(1031 * 293);
    const transparent = await sharp({ create: { width: 60, height: 60, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
    expect(Array.from((await toGray(transparent)).data).every((v) => v === 255)).toBe(true);
  });
});

describe('otsuThreshold', () => {
  it('separates two grey levels between them', () => {
    const data = new Uint8Array(1000);
    data.fill(40, 0, 300);
    data.fill(210, 300);
    const t = otsuThreshold({ data });
    expect(t).toBeGreaterThanOrEqual(40);
    expect(t).toBeLessThan(210);
  });

  it('falls back to mid-grey for a single grey level, so a blank page has no ink', () => {
    expect(otsuThreshold({ data: new Uint8Array(100).fill(255) })).toBe(127);
    expect(otsuThreshold({ data: new Uint8Array(0) })).toBe(127);
  });

  it('puts the ink of a printed formula below the threshold and the paper above it', async () => {
    const gray = await toGray(readFileSync(join(FIXTURES, 'im2latex/73b51f198b.png')));
    const t = otsuThreshold(gray);
    const ink = gray.data.filter((v) => v <= t).length;
    expect(ink).toBeGreaterThan(0.01 * gray.data.length);
    expect(ink).toBeLessThan(0.5 * gray.data.length);
    expect(t).toBeGreaterThan(50);
    expect(t).toBeLessThan(230);
  });
});
