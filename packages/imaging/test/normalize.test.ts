import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { normalizeImage, sha256 } from '@mpp/imaging';

const FIXTURES = join(__dirname, '../../../test/fixtures');
const problemPng = readFileSync(join(FIXTURES, 'textbook/11/img_problem.png'));
const geometryJpeg = readFileSync(join(FIXTURES, 'geometry/23.jpg'));

async function pixelAt(png: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return Array.from(data.subarray(offset, offset + info.channels));
}

describe('normalizeImage', () => {
  it('flattens transparent pixels onto white paper, whatever colour they hide', async () => {
    // 100x100 fully transparent black with an opaque black square in the middle.
    const rgba = Buffer.alloc(100 * 100 * 4);
    for (let y = 40; y < 60; y++) for (let x = 40; x < 60; x++) rgba[(y * 100 + x) * 4 + 3] = 255;
    const input = await sharp(rgba, { raw: { width: 100, height: 100, channels: 4 } }).png().toBuffer();

    const out = await normalizeImage(input, { maxDimension: 4096 });
    expect(out).toMatchObject({ width: 100, height: 100, scale: 1, rotated: false, alphaFlattened: true });
    const meta = await sharp(out.png).metadata();
    expect(meta).toMatchObject({ format: 'png', channels: 3, hasAlpha: false, space: 'srgb' });
    expect(await pixelAt(out.png, 5, 5)).toEqual([255, 255, 255]);
    expect(await pixelAt(out.png, 50, 50)).toEqual([0, 0, 0]);
  });

  it('turns a JPEG with EXIF orientation 6 upright: stored left edge becomes the top', async () => {
    const stored = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#0000ff' } })
      .composite([{ input: { create: { width: 100, height: 100, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }])
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();

    const out = await normalizeImage(stored, { maxDimension: 4096 });
    expect(out).toMatchObject({ width: 100, height: 200, rotated: true, alphaFlattened: false, scale: 1 });
    expect((await sharp(out.png).metadata()).orientation).toBeUndefined();
    const [topR, , topB] = await pixelAt(out.png, 50, 20);
    const [bottomR, , bottomB] = await pixelAt(out.png, 50, 180);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(60);
  });

  it('downscales only images larger than maxDimension, keeping the aspect ratio', async () => {
    const shrunk = await normalizeImage(problemPng, { maxDimension: 500 });
    expect(shrunk.width).toBe(500);
    expect(shrunk.height).toBe(Math.round((293 * 500) / 1031));
    expect(shrunk.scale).toBeCloseTo(500 / 1031, 6);

    const kept = await normalizeImage(geometryJpeg, { maxDimension: 4096 });
    expect(kept).toMatchObject({ width: 281, height: 334, scale: 1, rotated: false });
  });

  it('hashes the original bytes and the normalised PNG separately', async () => {
    const out = await normalizeImage(geometryJpeg, { maxDimension: 4096 });
    expect(out.sha256).toBe(createHash('sha256').update(geometryJpeg).digest('hex'));
    expect(out.normalizedSha256).toBe(sha256(out.png));
    expect(out.normalizedSha256).not.toBe(out.sha256);
    // Same input, same canonical bytes: the cache and the store can key on it.
    expect((await normalizeImage(geometryJpeg, { maxDimension: 4096 })).normalizedSha256).toBe(out.normalizedSha256);
  });

  it('converts a greyscale image to 3-channel sRGB', async () => {
    const grey = await sharp(geometryJpeg).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const out = await normalizeImage(grey, { maxDimension: 4096 });
    expect(await sharp(out.png).metadata()).toMatchObject({ channels: 3, space: 'srgb' });
  });
});
