/**
 * Small pixel helpers shared by the stages that look at ink: a greyscale view of an image and
 * Otsu's global threshold. Kept here so every stage binarises the same way.
 */
import sharp from 'sharp';

export interface GrayImage {
  /** One byte per pixel, row-major, 0 = black, 255 = white. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes any image sharp reads (PNG, JPEG, WebP, SVG...) to 8-bit grey, transparency as white paper. */
export async function toGray(bytes: Buffer): Promise<GrayImage> {
  const { data, info } = await sharp(bytes)
    .flatten({ background: '#ffffff' })
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one grey channel, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * Otsu's threshold: the grey level t maximising the between-class variance, so that pixels
 * `<= t` are ink and pixels `> t` are paper. An image with a single grey level has nothing to
 * separate; it gets mid-grey (127), so a blank page has no ink and a black one is all ink.
 */
export function otsuThreshold(gray: Pick<GrayImage, 'data'>): number {
  const histogram = new Float64Array(256);
  for (const value of gray.data) histogram[value]! += 1;
  const total = gray.data.length;
  if (total === 0) return 127;

  let sumAll = 0;
  for (let level = 0; level < 256; level++) sumAll += level * histogram[level]!;

  let weightDark = 0;
  let sumDark = 0;
  let bestVariance = 0;
  let bestThreshold = -1;
  for (let level = 0; level < 255; level++) {
    weightDark += histogram[level]!;
    if (weightDark === 0) continue;
    const weightLight = total - weightDark;
    if (weightLight === 0) break;
    sumDark += level * histogram[level]!;
    const meanDark = sumDark / weightDark;
    const meanLight = (sumAll - sumDark) / weightLight;
    const variance = weightDark * weightLight * (meanDark - meanLight) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      bestThreshold = level;
    }
  }
  return bestThreshold < 0 ? 127 : bestThreshold;
}
