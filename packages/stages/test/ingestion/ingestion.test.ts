import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { IngestionOutput } from '@mpp/schemas';
import { ImageValidationError, ingestionStage } from '../../src/ingestion';
import { memoryStageContext } from '../support/memory-stage-context';

const FIXTURES = join(__dirname, '../../../../test/fixtures');

describe('ingestionStage', () => {
  it('stores an upright, opaque PNG of the upload and describes the original', async () => {
    const ctx = memoryStageContext();
    const original = readFileSync(join(FIXTURES, 'textbook/11/img_problem.png'));
    const originalRef = await ctx.blobs.put(original);

    const output = IngestionOutput.parse(await ingestionStage({ original_ref: originalRef }, ctx));

    expect(output).toMatchObject({
      provider: 'sharp',
      confidence: 1,
      sha256: originalRef,
      original: { format: 'png', width: 1031, height: 293, bytes: original.length, has_alpha: true },
      width: 1031,
      height: 293,
      scale: 1,
      rotated: false,
      alpha_flattened: true,
    });
    expect(output.image_ref).not.toBe(originalRef);
    const stored = await sharp(await ctx.blobs.get(output.image_ref)).metadata();
    expect(stored).toMatchObject({ format: 'png', width: 1031, height: 293, channels: 3, hasAlpha: false });
  });

  it('records the EXIF orientation and stores the image as displayed', async () => {
    const ctx = memoryStageContext();
    const jpeg = await sharp({ create: { width: 240, height: 120, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 8 })
      .toBuffer();
    const output = await ingestionStage({ original_ref: await ctx.blobs.put(jpeg) }, ctx);
    expect(output.original).toMatchObject({ format: 'jpeg', width: 120, height: 240, orientation: 8 });
    expect(output).toMatchObject({ width: 120, height: 240, rotated: true });
  });

  it('fails a too-small image with a non-retryable ImageValidationError and stores nothing new', async () => {
    const ctx = memoryStageContext();
    const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } }).png().toBuffer();
    const ref = await ctx.blobs.put(tiny);

    const failure = await ingestionStage({ original_ref: ref }, ctx).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ImageValidationError);
    expect(failure).toMatchObject({ code: 'image_validation_failed', retryable: false, checks: [{ check: 'min_dimensions' }] });
    expect(ctx.blobs.entries.size).toBe(1);
  });

  it('applies the limits from the settings, not fixed ones', async () => {
    const ctx = memoryStageContext();
    ctx.settings.maxImageDimension = 300;
    const jpeg = readFileSync(join(FIXTURES, 'geometry/23.jpg')); // 281x334
    const failure = await ingestionStage({ original_ref: await ctx.blobs.put(jpeg) }, ctx).catch((err: unknown) => err);
    expect(failure).toMatchObject({ checks: [{ check: 'max_dimensions', message: 'image is 281x334, larger than 300x300' }] });
  });
});
