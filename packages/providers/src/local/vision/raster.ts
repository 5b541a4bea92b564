/**
 * The binary ink mask (1 = ink) every other vision module reads. Grey decoding and Otsu's
 * threshold come from @mpp/imaging, so stage C binarises exactly as stage B does and the boxes of
 * the two stages agree; this module adds the decode error and the page polarity.
 */
import { otsuThreshold, toGray, type GrayImage } from '@mpp/imaging';

export type { GrayImage };

export interface InkMask {
  width: number;
  height: number;
  /** Row-major, 1 where the pixel is ink, else 0. */
  data: Uint8Array;
}

export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  readonly code = 'vision_image_decode' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Decodes any sharp-readable image to grey (alpha flattened on white). */
export async function decodeGray(image: Buffer): Promise<GrayImage> {
  try {
    return await toGray(image);
  } catch (err) {
    throw new ImageDecodeError(`cannot decode image for vision analysis: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Ink mask at Otsu's threshold. Ink is the minority class: on a light-on-dark page (slides,
 * inverted scans) the bright pixels are the ink, so the mask is flipped.
 */
export function binarise(gray: GrayImage, threshold = otsuThreshold(gray)): InkMask {
  const data = new Uint8Array(gray.data.length);
  let ink = 0;
  for (let i = 0; i < data.length; i++) {
    const dark = gray.data[i]! <= threshold ? 1 : 0;
    data[i] = dark;
    ink += dark;
  }
  if (ink > data.length / 2) for (let i = 0; i < data.length; i++) data[i] = 1 - data[i]!;
  return { width: gray.width, height: gray.height, data };
}
