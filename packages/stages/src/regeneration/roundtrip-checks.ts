/**
 * The round-trip checks of stage F: rasterise what was regenerated (a formula's MathJax SVG, the
 * diagram's SVG) and score it against the matching region of the normalised input image.
 */
import sharp from 'sharp';
import type { BBox } from '@mpp/schemas';
import { toGray, type GrayImage } from '@mpp/imaging';
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

/** Similarity of a formula's rendering with its source region; undefined when it cannot be checked. */
export async function formulaRoundtrip(svg: string, page: PageImage, bbox: BBox, latex = ''): Promise<number | undefined> {
  const source = await cropRegion(page, bbox);
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
