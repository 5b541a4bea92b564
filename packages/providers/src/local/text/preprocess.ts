/**
 * Turns the normalised image into the image tesseract reads best: grey, dark ink on light paper,
 * line art erased, upscaled when the text is small. Also reports what it learned (glyph height,
 * diagram regions) so the caller can map boxes back and tell labels from prose.
 */
import sharp from 'sharp';
import type { BBox } from '@mpp/schemas';
import { toGray } from '@mpp/imaging';
import { analyseInk, eraseComponents } from './ink-analysis';

export interface PreparedImage {
  /** PNG for tesseract, `scale` times the input size. */
  png: Buffer;
  /** Tesseract pixels divided by this give pixels of the normalised image. */
  scale: number;
  width: number;
  height: number;
  /** Typical glyph height in normalised pixels, when the image has text-like ink. */
  glyphHeight?: number;
  /** Boxes (normalised pixels) of the line art that was erased: where the diagrams are. */
  lineArt: BBox[];
  /** Boxes (normalised pixels) of the other ink components: glyphs, dots, bars. */
  glyphs: BBox[];
  inverted: boolean;
}

/** Tesseract's LSTM reads best with glyphs around this height; smaller text is upscaled toward it. */
const TARGET_GLYPH_HEIGHT = 22;
/** Text at least this tall is read as is: upscaling it gains nothing and costs time. */
const SMALL_GLYPH_HEIGHT = 15;
const MAX_UPSCALE = 3;
/** Tesseract time grows with pixels; never upscale past this many. */
const MAX_UPSCALED_PIXELS = 12_000_000;
/** Resolution written into the PNG, so tesseract does not guess it from a missing or bogus tag. */
const OCR_DPI = 300;

/** Upscale factor for the given glyph height; 1 when the text is large enough or unknown. */
export function chooseUpscale(glyphHeight: number | undefined, width: number, height: number): number {
  if (glyphHeight === undefined || glyphHeight >= SMALL_GLYPH_HEIGHT) return 1;
  const wanted = Math.min(MAX_UPSCALE, TARGET_GLYPH_HEIGHT / Math.max(1, glyphHeight));
  const allowed = Math.sqrt(MAX_UPSCALED_PIXELS / Math.max(1, width * height));
  const scale = Math.min(wanted, allowed);
  return scale > 1.2 ? Math.round(scale * 4) / 4 : 1;
}

export interface PrepareOptions {
  /** Erase line art before OCR (default true); off only to compare. */
  eraseLineArt?: boolean;
}

export async function prepareForOcr(image: Buffer, opts: PrepareOptions = {}): Promise<PreparedImage> {
  const gray = await toGray(image);
  const ink = analyseInk(gray);
  const lineArt = ink.lineArt.map((i) => ink.components[i]!.bbox);
  const art = new Set(ink.lineArt);
  const glyphs = ink.components.filter((_, i) => !art.has(i)).map((c) => c.bbox);
  if (opts.eraseLineArt !== false) eraseComponents(gray, ink, ink.lineArt);

  const wanted = chooseUpscale(ink.glyphHeight, gray.width, gray.height);
  const outWidth = Math.round(gray.width * wanted);
  // The factor actually applied after rounding to whole pixels, so boxes map back exactly.
  const scale = outWidth / gray.width;
  let pipeline = sharp(Buffer.from(gray.data.buffer, gray.data.byteOffset, gray.data.length), {
    raw: { width: gray.width, height: gray.height, channels: 1 },
  });
  if (wanted !== 1) pipeline = pipeline.resize(outWidth, Math.round(gray.height * scale), { kernel: 'lanczos3' });
  const png = await pipeline.withDensity(OCR_DPI).png().toBuffer();
  return { png, scale, width: gray.width, height: gray.height, glyphHeight: ink.glyphHeight, lineArt, glyphs, inverted: ink.inverted };
}
