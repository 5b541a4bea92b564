import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_IMAGE_LIMITS, ImageValidationError, inspectImage, isImageValidationError, sniffFormat } from '@mpp/imaging';
import { PDF_BYTES, SVG_BYTES, gifBytes, pngWithClaimedSize, pseudoRandomBytes, solidImage } from './bad-inputs';

const FIXTURES = join(__dirname, '../../../test/fixtures');
const problemPng = readFileSync(join(FIXTURES, 'textbook/11/img_problem.png'));
const geometryJpeg = readFileSync(join(FIXTURES, 'geometry/23.jpg'));

async function failedChecks(bytes: Buffer, limits = DEFAULT_IMAGE_LIMITS): Promise<ImageValidationError> {
  try {
    await inspectImage(bytes, limits);
  } catch (err) {
    if (err instanceof ImageValidationError) return err;
    throw err;
  }
  throw new Error('expected inspectImage to reject the image');
}

describe('inspectImage accepts real images', () => {
  it('reports format, displayed size, alpha and colour space of a textbook PNG', async () => {
    const info = await inspectImage(problemPng);
    expect(info).toEqual({ format: 'png', width: 1031, height: 293, bytes: problemPng.length, hasAlpha: true, channels: 4, space: 'srgb' });
  });

  it('accepts a JPEG and a WebP', async () => {
    expect(await inspectImage(geometryJpeg)).toMatchObject({ format: 'jpeg', width: 281, height: 334, hasAlpha: false });
    const webp = await sharp(geometryJpeg).webp().toBuffer();
    expect(await inspectImage(webp)).toMatchObject({ format: 'webp', width: 281, height: 334 });
  });

  it('reports the displayed size of a JPEG with EXIF orientation 6 (width and height swapped)', async () => {
    const rotatedJpeg = await solidImage(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await inspectImage(rotatedJpeg)).toMatchObject({ format: 'jpeg', width: 100, height: 200, orientation: 6 });
  });
});

describe('inspectImage refuses bad inputs with the failed checks named', () => {
  it('refuses empty bytes as empty', async () => {
    const err = await failedChecks(Buffer.alloc(0));
    expect(err.checks.map((c) => c.check)).toEqual(['empty']);
    expect(err.code).toBe('image_validation_failed');
    expect(err.retryable).toBe(false);
    expect(isImageValidationError(err)).toBe(true);
  });

  it('refuses random bytes, a PDF, a GIF and an SVG as format, naming what they look like', async () => {
    const cases: Array<[Buffer, string]> = [
      [pseudoRandomBytes(4096), 'unknown'],
      [PDF_BYTES, 'PDF'],
      [await gifBytes(), 'GIF'],
      [SVG_BYTES, 'SVG'],
    ];
    for (const [bytes, looksLike] of cases) {
      const err = await failedChecks(bytes);
      expect(err.checks).toEqual([{ check: 'format', message: `bytes are not a PNG, JPEG or WebP image (looks like ${looksLike})` }]);
    }
  });

  it('refuses a PNG cut in half and a JPEG cut in half as corrupt', async () => {
    for (const whole of [problemPng, geometryJpeg]) {
      const err = await failedChecks(whole.subarray(0, Math.floor(whole.length / 2)));
      expect(err.checks.map((c) => c.check)).toEqual(['corrupt']);
    }
  });

  it('refuses a PNG signature followed by garbage as corrupt', async () => {
    const err = await failedChecks(Buffer.concat([problemPng.subarray(0, 8), pseudoRandomBytes(512)]));
    expect(err.checks.map((c) => c.check)).toEqual(['corrupt']);
  });

  it('refuses a 60000x60000 PNG header as max_dimensions from the header alone, never decoding it', async () => {
    const bomb = pngWithClaimedSize(60000, 60000);
    const err = await failedChecks(bomb);
    // The IDAT holds 1 KiB for 10.8 GB of claimed pixels: any decode would have reported `corrupt`.
    expect(err.checks).toEqual([{ check: 'max_dimensions', message: 'image is 60000x60000, larger than 4096x4096' }]);
  });

  it('refuses an image wider than the limit and a 10x10 image', async () => {
    const wide = await solidImage(5000, 60).png().toBuffer();
    expect((await failedChecks(wide)).checks.map((c) => c.check)).toEqual(['max_dimensions']);
    const tiny = await solidImage(10, 10).png().toBuffer();
    expect((await failedChecks(tiny)).checks).toEqual([{ check: 'min_dimensions', message: 'image is 10x10, smaller than 50x50' }]);
  });

  it('refuses a file over the byte limit, and lists a dimension failure beside it', async () => {
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxBytes: 1000 };
    expect((await failedChecks(problemPng, limits)).checks.map((c) => c.check)).toEqual(['file_size']);
    const bigTiny = await sharp(pseudoRandomBytes(20 * 20 * 3), { raw: { width: 20, height: 20, channels: 3 } }).png().toBuffer();
    expect((await failedChecks(bigTiny, limits)).checks.map((c) => c.check)).toEqual(['file_size', 'min_dimensions']);
  });
});

describe('sniffFormat', () => {
  it('names formats by their magic bytes', async () => {
    expect(sniffFormat(problemPng)).toBe('png');
    expect(sniffFormat(geometryJpeg)).toBe('jpeg');
    expect(sniffFormat(await sharp(problemPng).webp().toBuffer())).toBe('webp');
    expect(sniffFormat(PDF_BYTES)).toBe('pdf');
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe('svg');
    expect(sniffFormat(Buffer.from('hello'))).toBe('unknown');
  });
});
