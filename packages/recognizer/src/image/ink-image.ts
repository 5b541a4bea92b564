/**
 * The one picture type used inside the recogniser: a single channel of ink darkness, 0 = paper,
 * 255 = full ink, row-major. Decoding (any sharp-readable buffer, or raw grey pixels) and the
 * normalisation of polarity and contrast live here.
 */
import sharp from 'sharp';
import { RecognizerError } from '../errors';

export interface InkImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface RawGrey {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes an encoded image or raw pixels (1 channel, or 3/4 interleaved) to ink darkness. */
export async function toInkImage(image: Buffer | RawGrey): Promise<InkImage> {
  let grey: Uint8Array;
  let width: number;
  let height: number;
  if (Buffer.isBuffer(image)) {
    try {
      const { data, info } = await sharp(image).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
      grey = new Uint8Array(data.buffer, data.byteOffset, info.width * info.height);
      width = info.width;
      height = info.height;
    } catch (err) {
      throw new RecognizerError('invalid_image', `cannot decode image: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    ({ width, height } = image);
    const channels = width > 0 && height > 0 ? image.data.length / (width * height) : 0;
    if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
      throw new RecognizerError('invalid_image', `raw image of ${image.data.length} bytes does not fit ${width}x${height}`);
    }
    grey = channels === 1 ? image.data : toGrey(image.data, width * height, channels);
  }
  if (width < 1 || height < 1) throw new RecognizerError('invalid_image', 'image has no pixels');
  return normalisePolarity({ width, height, data: invert(grey) });
}

function toGrey(data: Uint8Array, pixels: number, channels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const o = i * channels;
    out[i] = channels >= 3 ? Math.round(0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!) : data[o]!;
  }
  return out;
}

function invert(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) out[i] = 255 - grey[i]!;
  return out;
}

/**
 * Formulas are dark on light; a light-on-dark crop (slides, screenshots in dark mode) is flipped
 * so that ink is the minority. Contrast is then stretched so the paper is 0 and solid ink 255.
 */
function normalisePolarity(img: InkImage): InkImage {
  const { data } = img;
  const hist = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) hist[data[i]!]! += 1;
  const paper = percentile(hist, data.length, 0.5);
  if (paper > 128) for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
  const hist2 = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) hist2[data[i]!]! += 1;
  const lo = percentile(hist2, data.length, 0.5);
  // Solid ink is taken as the upper quartile of clearly inked pixels, robust to a few noisy ones.
  let inked = 0;
  for (let v = lo + 48; v < 256; v++) inked += hist2[v]!;
  let acc = 0;
  let hi = 255;
  for (let v = 255; v >= lo + 48; v--) {
    acc += hist2[v]!;
    if (acc >= inked * 0.25) {
      hi = v;
      break;
    }
  }
  hi = Math.max(hi, lo + 64);
  const scale = 255 / (hi - lo);
  for (let i = 0; i < data.length; i++) data[i] = clamp255((data[i]! - lo) * scale);
  return img;
}

function percentile(hist: Uint32Array, total: number, q: number): number {
  let acc = 0;
  const target = q * total;
  for (let v = 0; v < 256; v++) {
    acc += hist[v]!;
    if (acc >= target) return v;
  }
  return 255;
}

export function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Renders an SVG string to ink darkness at its own pixel size (width/height attributes). */
export async function rasterizeSvg(svg: string): Promise<InkImage> {
  const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = 255 - data[i]!;
  return { width: info.width, height: info.height, data: out };
}
