/**
 * Formulas for the HTML, SVG and DOCX exports: MathJax SVG (stage F's rendering when it made one
 * for the same LaTeX, else a fresh one), and a PNG of it for documents that cannot hold SVG.
 * Sizes follow MathJax's metrics: its viewBox is in thousandths of an em, drawn at 16 px per em.
 */
import sharp from 'sharp';
import type { RegenerationOutput } from '@mpp/schemas';
import { svgViewBox, texToSvg, withPixelSize } from '../regeneration/mathjax';

const PX_PER_EM = 16;

export interface RenderedMath {
  /** MathJax's SVG as it made it: sized in `ex`, with its baseline shift, for inline HTML. */
  svg: string;
  /** Size in CSS pixels at 16 px per em. */
  width: number;
  height: number;
}

export class MathRenderer {
  private readonly cache = new Map<string, Promise<RenderedMath | undefined>>();

  constructor(private readonly regeneration?: RegenerationOutput) {}

  /** The formula as SVG, or undefined when MathJax cannot parse it (callers keep the LaTeX). */
  render(latex: string, display = false): Promise<RenderedMath | undefined> {
    const key = `${display ? 'D' : 'I'}${latex}`;
    let rendered = this.cache.get(key);
    if (!rendered) {
      rendered = this.renderUncached(latex, display);
      this.cache.set(key, rendered);
    }
    return rendered;
  }

  private async renderUncached(latex: string, display: boolean): Promise<RenderedMath | undefined> {
    const known = this.regeneration?.formulas.find((f) => f.latex.trim() === latex.trim() && f.svg)?.svg;
    const svg = known ?? (await texToSvg(latex, display)).svg;
    if (!svg) return undefined;
    const box = svgViewBox(svg);
    if (!box) return undefined;
    const width = (box.width / 1000) * PX_PER_EM;
    const height = (box.height / 1000) * PX_PER_EM;
    return { svg, width, height };
  }
}

/** A formula as PNG for documents that cannot hold SVG. */
export function mathPng(math: RenderedMath, scale = 3): Promise<Buffer> {
  return svgToPng(withPixelSize(math.svg, math.width, math.height), scale);
}

/** An SVG as PNG at `scale` times its pixel size, on white (Word shows transparency badly). */
export async function svgToPng(svg: string, scale = 3): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** Pixel size of an SVG from its width/height attributes, else its viewBox. */
export function svgPixelSize(svg: string): { width: number; height: number } | undefined {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)(?:px)?"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)(?:px)?"/.exec(root)?.[1]);
  if (width > 0 && height > 0) return { width, height };
  const box = svgViewBox(svg);
  return box ? { width: box.width, height: box.height } : undefined;
}
