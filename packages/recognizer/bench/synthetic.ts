/**
 * The synthetic benchmark set, generated deterministically from a seed: formulas from the grammar
 * and from the shapes of real formulas, each rendered by MathJax at one of several sizes with a
 * random ink weight, then lightly degraded (blur, Gaussian noise, JPEG artefacts).
 */
import sharp from 'sharp';
import { texToSvg } from '@mpp/recognizer';
import { grammarFormula, reshapedFormula } from './grammar';
import { stripSpacing } from './image-match';
import { Rng } from './rng';

export interface BenchItem {
  id: string;
  latex: string;
  image: Buffer;
  source: 'grammar' | 'shape' | 'im2latex';
  /** Rendering size of a synthetic item (absent for scanned sets). */
  pxPerEm?: number;
}

export interface RenderStyle {
  pxPerEm: number;
  strokeUnits: number;
  blur: number;
  noise: number;
  jpegQuality?: number;
  pad: number;
}

export function randomStyle(r: Rng): RenderStyle {
  const style: RenderStyle = {
    pxPerEm: r.pick([13, 15, 16, 18, 20, 24, 28]),
    strokeUnits: r.range(0, 28),
    blur: r.chance(0.5) ? r.range(0.3, 0.7) : 0,
    noise: r.chance(0.6) ? r.range(2, 12) : 0,
    pad: r.int(3, 12),
  };
  if (r.chance(0.4)) style.jpegQuality = r.int(60, 92);
  return style;
}

/** Renders `latex` in display style as an 8-bit grey PNG (or JPEG) with the given degradations. */
export async function renderFormula(latex: string, style: RenderStyle, r: Rng): Promise<Buffer> {
  const rendered = texToSvg(latex, true);
  const vb = rendered.viewBox;
  const s = style.pxPerEm / 1000;
  const width = Math.ceil(vb.width * s) + 2 * style.pad;
  const height = Math.ceil(vb.height * s) + 2 * style.pad;
  const padUnits = style.pad / s;
  const svg = rendered.svg
    .replace(/<svg\b[^>]*>/, `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="${vb.x - padUnits} ${vb.y - padUnits} ${vb.width + 2 * padUnits} ${vb.height + 2 * padUnits}">`)
    .replace('stroke-width="0"', `stroke-width="${style.strokeUnits.toFixed(1)}"`)
    .replace(/currentColor/g, '#000');
  let pipeline = sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale();
  if (style.blur > 0) pipeline = pipeline.blur(Math.max(0.3, style.blur));
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (style.noise > 0) {
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + style.noise * r.gaussian())));
  }
  const out = sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } });
  return style.jpegQuality ? out.jpeg({ quality: style.jpegQuality }).toBuffer() : out.png().toBuffer();
}

export interface SyntheticOptions {
  seed?: number;
  grammarCount?: number;
  /** Real labels whose shapes are reused, and how many variants of each. */
  shapes?: string[];
  variantsPerShape?: number;
}

export async function syntheticSet(opts: SyntheticOptions = {}): Promise<BenchItem[]> {
  const r = new Rng(opts.seed ?? 20240611);
  const items: BenchItem[] = [];
  const grammarCount = opts.grammarCount ?? 420;
  let attempts = 0;
  while (items.length < grammarCount && attempts < grammarCount * 3) {
    attempts++;
    const latex = grammarFormula(r);
    const style = randomStyle(r);
    const image = await tryRender(latex, style, r);
    if (image) items.push({ id: `g${String(items.length).padStart(4, '0')}`, latex, image, source: 'grammar', pxPerEm: style.pxPerEm });
  }
  let k = 0;
  for (const shape of opts.shapes ?? []) {
    for (let v = 0; v < (opts.variantsPerShape ?? 2); v++) {
      const latex = reshapedFormula(r, stripSpacing(shape));
      const style = randomStyle(r);
      const image = await tryRender(latex, style, r);
      if (image) items.push({ id: `s${String(k++).padStart(4, '0')}`, latex, image, source: 'shape', pxPerEm: style.pxPerEm });
    }
  }
  return items;
}

async function tryRender(latex: string, style: RenderStyle, r: Rng): Promise<Buffer | undefined> {
  try {
    return await renderFormula(latex, style, r);
  } catch {
    return undefined;
  }
}
