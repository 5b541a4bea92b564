/**
 * Working scale. Very large pages are analysed on a reduced copy, which bounds the cost of the
 * Hough accumulators and thinning (their size grows with the square of the image side), and the
 * answer is mapped back to the input image's pixels.
 */
import sharp from 'sharp';
import type { BBox, DiagramElement, Region } from '@mpp/schemas';
import type { GrayImage } from './raster';

/** Longest side analysed at full resolution; printed text stays legible well below it. */
export const MAX_ANALYSIS_SIDE = 2000;

/** The grey image to analyse and the factor from its pixels back to the input's. */
export async function analysisScale(gray: GrayImage): Promise<{ gray: GrayImage; toInput: number }> {
  const side = Math.max(gray.width, gray.height);
  if (side <= MAX_ANALYSIS_SIDE) return { gray, toInput: 1 };
  const factor = MAX_ANALYSIS_SIDE / side;
  const width = Math.max(1, Math.round(gray.width * factor));
  const height = Math.max(1, Math.round(gray.height * factor));
  const data = await sharp(Buffer.from(gray.data.buffer, gray.data.byteOffset, gray.data.length), { raw: { width: gray.width, height: gray.height, channels: 1 } })
    .resize(width, height, { kernel: 'lanczos3' })
    .grayscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (data.info.channels !== 1) throw new Error(`expected one grey channel after resizing, got ${data.info.channels}`);
  const pixels = data.data;
  return { gray: { width, height, data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length) }, toInput: gray.width / width };
}

const r1 = (v: number): number => Math.round(v * 10) / 10;
const scalePt = (p: { x: number; y: number }, k: number) => ({ x: r1(p.x * k), y: r1(p.y * k) });
const scaleBox = (b: BBox, k: number): BBox => ({ x: r1(b.x * k), y: r1(b.y * k), w: r1(b.w * k), h: r1(b.h * k) });

export function scaleRegion(region: Region, k: number): Region {
  return k === 1 ? region : { ...region, bbox: scaleBox(region.bbox, k) };
}

export function scaleElement(e: DiagramElement, k: number): DiagramElement {
  if (k === 1) return e;
  return {
    ...e,
    bbox: scaleBox(e.bbox, k),
    ...(e.point ? { point: scalePt(e.point, k) } : {}),
    ...(e.endpoints ? { endpoints: [scalePt(e.endpoints[0], k), scalePt(e.endpoints[1], k)] as [{ x: number; y: number }, { x: number; y: number }] } : {}),
    ...(e.center ? { center: scalePt(e.center, k) } : {}),
    ...(e.radius !== undefined ? { radius: r1(e.radius * k) } : {}),
    ...(e.path ? { path: e.path.map((p) => scalePt(p, k)) } : {}),
  };
}
