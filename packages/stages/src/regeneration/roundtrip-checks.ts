/**
 * The round-trip checks of stage F: rasterise what was regenerated (a formula's MathJax SVG, the
 * diagram's SVG) and score it against the matching region of the normalised input image.
 */
import sharp from 'sharp';
import type { BBox } from '@mpp/schemas';
import { toGray, type GrayImage } from '@mpp/imaging';
import { blobBounds, inkBlobs, inkMask } from './ink-mask';
import { svgViewBox, withPixelSize } from './mathjax';
import { scoreInkMatch } from './roundtrip';

/** Formulas are rasterised this tall (pixels) before being scaled onto the source's ink box. */
const FORMULA_RENDER_HEIGHT = 160;
const MAX_RENDER_SIDE = 4096;
/** Context kept around a region so ink touching the box edge is not cut. */
const REGION_MARGIN = 2;

/** The page decoded once to grey pixels: every region crop then reads them instead of decoding the page again. */
export type PageImage = GrayImage;

export async function loadPageImage(bytes: Buffer): Promise<PageImage> {
  return toGray(bytes);
}

function pageRegion(page: PageImage, region: { left: number; top: number; width: number; height: number }): sharp.Sharp {
  return sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } }).extract(region);
}

/** Rasterises an SVG at `height` pixels, keeping its aspect ratio (capped to 4096 on either side). */
export async function rasteriseSvg(svg: string, height: number): Promise<Buffer> {
  const box = svgViewBox(svg);
  if (!box) throw new Error('SVG has no usable viewBox');
  let pixelHeight = height;
  let pixelWidth = Math.round((box.width * height) / box.height);
  if (pixelWidth > MAX_RENDER_SIDE) {
    pixelHeight = Math.max(1, Math.round((pixelHeight * MAX_RENDER_SIDE) / pixelWidth));
    pixelWidth = MAX_RENDER_SIDE;
  }
  const sized = withPixelSize(svg, Math.max(1, pixelWidth), pixelHeight);
  return sharp(Buffer.from(sized), { limitInputPixels: MAX_RENDER_SIDE * MAX_RENDER_SIDE })
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** The region's pixels (with a small margin), or undefined when the box lies outside the image. */
export async function cropRegion(page: PageImage, bbox: BBox, margin = REGION_MARGIN): Promise<Buffer | undefined> {
  const left = Math.max(0, Math.floor(bbox.x - margin));
  const top = Math.max(0, Math.floor(bbox.y - margin));
  const right = Math.min(page.width, Math.ceil(bbox.x + bbox.w + margin));
  const bottom = Math.min(page.height, Math.ceil(bbox.y + bbox.h + margin));
  if (right - left < 2 || bottom - top < 2) return undefined;
  return pageRegion(page, { left, top, width: right - left, height: bottom - top }).png({ compressionLevel: 1 }).toBuffer();
}

/** A component kept when at least this share of its ink lies inside the formula's box. */
const INSIDE_SHARE = 0.34;

/**
 * The formula's own ink around its box. A box from OCR or an API can clip a glyph (the foot of a
 * slanted `A`) or take in a sliver of the next word or of the line above. Every 8-connected ink
 * component that meets the box grown by half its height is kept whole when most of its ink lies
 * inside the box, and dropped otherwise; the crop is the kept ink's box, everything else white.
 * Undefined when no ink qualifies (the plain crop is used then).
 */
export function formulaInk(page: PageImage, bbox: BBox): PageImage | undefined {
  const grow = Math.max(2, Math.round(0.5 * bbox.h));
  const x0 = Math.max(0, Math.floor(bbox.x - grow));
  const y0 = Math.max(0, Math.floor(bbox.y - grow));
  const x1 = Math.min(page.width, Math.ceil(bbox.x + bbox.w + grow));
  const y1 = Math.min(page.height, Math.ceil(bbox.y + bbox.h + grow));
  const w = x1 - x0;
  const h = y1 - y0;
  if (w < 2 || h < 2) return undefined;
  const gray = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) gray.set(page.data.subarray((y0 + y) * page.width + x0, (y0 + y) * page.width + x1), y * w);
  const ink = inkMask({ data: gray, width: w, height: h });
  const inBox = (i: number) => {
    const x = (i % w) + x0;
    const y = Math.floor(i / w) + y0;
    return x >= bbox.x && x < bbox.x + bbox.w && y >= bbox.y && y < bbox.y + bbox.h;
  };
  const keep = new Uint8Array(w * h);
  let box = { x0: w, y0: h, x1: -1, y1: -1 };
  for (const pixels of inkBlobs(ink)) {
    if (pixels.filter(inBox).length < INSIDE_SHARE * pixels.length) continue;
    for (const i of pixels) keep[i] = 1;
    const b = blobBounds(ink, pixels);
    box = { x0: Math.min(box.x0, b.x0), y0: Math.min(box.y0, b.y0), x1: Math.max(box.x1, b.x1), y1: Math.max(box.y1, b.y1) };
  }
  if (box.x1 < 0) return undefined;
  const m = REGION_MARGIN;
  const cx0 = Math.max(0, box.x0 - m);
  const cy0 = Math.max(0, box.y0 - m);
  const cw = Math.min(w, box.x1 + m + 1) - cx0;
  const ch = Math.min(h, box.y1 + m + 1) - cy0;
  const out = new Uint8Array(cw * ch).fill(255);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = (cy0 + y) * w + cx0 + x;
      if (keep[i]) out[y * cw + x] = gray[i]!;
    }
  }
  return { data: out, width: cw, height: ch };
}

/** Similarity of a formula's rendering with its source region; undefined when it cannot be checked. */
export async function formulaRoundtrip(svg: string, page: PageImage, bbox: BBox, latex = ''): Promise<number | undefined> {
  const own = formulaInk(page, bbox);
  const source = own ? await sharp(own.data, { raw: { width: own.width, height: own.height, channels: 1 } }).png({ compressionLevel: 1 }).toBuffer() : await cropRegion(page, bbox);
  if (!source) return undefined;
  const rendered = await rasteriseSvg(svg, FORMULA_RENDER_HEIGHT);
  // A formula that does not itself end in punctuation is not blamed for the comma after it.
  return scoreInkMatch(rendered, source, { align: 'ink-box', ignoreTrailingPunctuation: !/[.,;:]\s*$/.test(latex) });
}

/**
 * Similarity of the regenerated diagram with the diagram region. The diagram SVG is drawn in the
 * region's own pixel frame, so the two are compared in place rather than ink box to ink box: a
 * missing circle then costs its ink instead of shifting everything else. Where the frame runs
 * past the image, only the part inside is compared.
 */
export async function diagramRoundtrip(diagramSvg: string, page: PageImage, frame: BBox): Promise<number | undefined> {
  const frameLeft = Math.round(frame.x);
  const frameTop = Math.round(frame.y);
  const frameWidth = Math.max(1, Math.round(frame.w));
  const frameHeight = Math.max(1, Math.round(frame.h));
  const left = Math.max(0, frameLeft);
  const top = Math.max(0, frameTop);
  const width = Math.min(page.width, frameLeft + frameWidth) - left;
  const height = Math.min(page.height, frameTop + frameHeight) - top;
  if (width < 8 || height < 8 || frameWidth * frameHeight > MAX_RENDER_SIDE * MAX_RENDER_SIDE) return undefined;
  const window = { width, height };
  const [source, rendered] = await Promise.all([
    pageRegion(page, { left, top, ...window }).png({ compressionLevel: 1 }).toBuffer(),
    sharp(Buffer.from(withPixelSize(diagramSvg, frameWidth, frameHeight)))
      .flatten({ background: '#ffffff' })
      .extract({ left: left - frameLeft, top: top - frameTop, ...window })
      .png({ compressionLevel: 1 })
      .toBuffer(),
  ]);
  return scoreInkMatch(rendered, source, { align: 'frame' });
}
