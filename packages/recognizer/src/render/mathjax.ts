/**
 * LaTeX to SVG with MathJax (mathjax-full v3), for the recogniser's own needs: rendering the
 * symbol templates at start-up and, in the benchmark, the synthetic formulas and the pictures
 * compared by the image-match metric. One MathJax document per process, created on first use.
 *
 * The document is shared, so it keeps no state between formulas: `newcommand` is left out, and
 * the error-hiding packages too, so a formula that does not parse reports TeX's message.
 */
import { RecognizerError } from '../errors';

const EXCLUDED_PACKAGES = new Set(['noerrors', 'noundefined', 'newcommand', 'html', 'action', 'bussproofs', 'verb', 'setoptions', 'require', 'autoload']);

interface Runtime {
  convert(latex: string, display: boolean): string;
}

let runtime: Runtime | undefined;

function createRuntime(): Runtime {
  // Loaded with require so the cost is paid only by processes that render.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { mathjax } = require('mathjax-full/js/mathjax.js') as typeof import('mathjax-full/js/mathjax.js');
  const { TeX } = require('mathjax-full/js/input/tex.js') as typeof import('mathjax-full/js/input/tex.js');
  const { SVG } = require('mathjax-full/js/output/svg.js') as typeof import('mathjax-full/js/output/svg.js');
  const { liteAdaptor } = require('mathjax-full/js/adaptors/liteAdaptor.js') as typeof import('mathjax-full/js/adaptors/liteAdaptor.js');
  const { RegisterHTMLHandler } = require('mathjax-full/js/handlers/html.js') as typeof import('mathjax-full/js/handlers/html.js');
  const { AllPackages } = require('mathjax-full/js/input/tex/AllPackages.js') as typeof import('mathjax-full/js/input/tex/AllPackages.js');
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  const tex = new TeX({ packages: AllPackages.filter((p: string) => !EXCLUDED_PACKAGES.has(p)) });
  // fontCache 'none': every glyph is an inline path, so each SVG stands alone and can be nested.
  const svg = new SVG({ fontCache: 'none' });
  const document = mathjax.document('', { InputJax: tex, OutputJax: svg });
  return {
    convert(latex, display) {
      tex.parseOptions.tags.reset();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const node = document.convert(latex, { display, em: 16, ex: 8, containerWidth: 1280 }) as any;
      return adaptor.innerHTML(node);
    },
  };
}

export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TexSvg {
  /** The `<svg>` element as MathJax wrote it; user units are 1/1000 em, y = 0 is the baseline. */
  svg: string;
  viewBox: ViewBox;
}

/** Renders `latex` (no delimiters) to SVG; throws `render_failed` with TeX's message. */
export function texToSvg(latex: string, display = false): TexSvg {
  runtime ??= createRuntime();
  let markup: string;
  try {
    markup = runtime.convert(latex, display);
  } catch (err) {
    throw new RecognizerError('render_failed', `MathJax failed on ${latex}: ${err instanceof Error ? err.message : String(err)}`, { latex });
  }
  const texError = /data-mjx-error="([^"]*)"/.exec(markup);
  if (texError) throw new RecognizerError('render_failed', `TeX error in ${latex}: ${texError[1] ?? ''}`, { latex });
  const match = /viewBox="([-\d.eE]+) ([-\d.eE]+) ([-\d.eE]+) ([-\d.eE]+)"/.exec(markup);
  if (!match) throw new RecognizerError('render_failed', `MathJax gave no viewBox for ${latex}`, { latex });
  const [x, y, width, height] = match.slice(1, 5).map(Number) as [number, number, number, number];
  return { svg: markup.slice(markup.indexOf('<svg')), viewBox: { x, y, width, height } };
}

/**
 * Rewrites MathJax's root element so it can be placed inside a larger SVG: position and size in
 * the parent's pixels, overflow visible (accents may stick out of MathJax's box), and a stroke of
 * `strokeUnits` (1/1000 em) around every outline to imitate heavier printed ink.
 */
export function placeTexSvg(rendered: TexSvg, place: { x: number; y: number; pxPerEm: number; strokeUnits: number }): string {
  const { viewBox: vb } = rendered;
  const w = (vb.width / 1000) * place.pxPerEm;
  const h = (vb.height / 1000) * place.pxPerEm;
  return rendered.svg
    .replace(/<svg\b[^>]*>/, `<svg x="${r3(place.x)}" y="${r3(place.y)}" width="${r3(w)}" height="${r3(h)}" viewBox="${vb.x} ${vb.y} ${vb.width} ${vb.height}" overflow="visible">`)
    .replace('stroke-width="0"', `stroke-width="${place.strokeUnits}"`)
    .replace(/currentColor/g, '#000');
}

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
