/**
 * LaTeX to self-contained SVG with MathJax (mathjax-full v3). One MathJax document per process,
 * created on first use, so workers that never serve stage F never pay for loading it.
 *
 * The document is shared by every job, so it must not keep state between formulas: the
 * `newcommand` package (\def, \newcommand) is left out, and equation labels are cleared before
 * each conversion. Packages that turn errors into rendered text (`noerrors`, `noundefined`) are
 * left out too, so a formula that does not parse reports TeX's message instead of drawing it.
 */
import type { LiteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import type { MathDocument } from 'mathjax-full/js/core/MathDocument.js';
import type { LiteDocument } from 'mathjax-full/js/adaptors/lite/Document.js';
import type { LiteElement, LiteNode } from 'mathjax-full/js/adaptors/lite/Element.js';
import type { LiteText } from 'mathjax-full/js/adaptors/lite/Text.js';
import type { TeX } from 'mathjax-full/js/input/tex.js';

const EXCLUDED_PACKAGES = new Set(['noerrors', 'noundefined', 'newcommand', 'html', 'action', 'bussproofs', 'verb', 'setoptions']);
/** Longer inputs are refused before parsing: no real formula needs more, and parsing is synchronous. */
export const MAX_LATEX_LENGTH = 4000;

type LiteMathDocument = MathDocument<LiteNode, LiteText, LiteDocument>;

interface MathJaxRuntime {
  adaptor: LiteAdaptor;
  document: LiteMathDocument;
  tex: TeX<LiteNode, LiteText, LiteDocument>;
  /** Stops a conversion after the TeX input, before any output: the internal MathML tree. */
  convertState: number;
  /** Serialises that tree as MathML. */
  toMathml: (node: unknown) => string;
}

let runtime: Promise<MathJaxRuntime> | undefined;

async function createRuntime(): Promise<MathJaxRuntime> {
  const [{ mathjax }, { TeX }, { SVG }, { liteAdaptor }, { RegisterHTMLHandler }, { AllPackages }, { STATE }, { SerializedMmlVisitor }] = await Promise.all([
    import('mathjax-full/js/mathjax.js'),
    import('mathjax-full/js/input/tex.js'),
    import('mathjax-full/js/output/svg.js'),
    import('mathjax-full/js/adaptors/liteAdaptor.js'),
    import('mathjax-full/js/handlers/html.js'),
    import('mathjax-full/js/input/tex/AllPackages.js'),
    import('mathjax-full/js/core/MathItem.js'),
    import('mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js'),
  ]);
  const adaptor = liteAdaptor();
  RegisterHTMLHandler(adaptor);
  const tex = new TeX<LiteNode, LiteText, LiteDocument>({ packages: AllPackages.filter((p) => !EXCLUDED_PACKAGES.has(p)) });
  // fontCache 'none': every glyph is an inline path, so each SVG stands alone (no shared <defs>).
  const svg = new SVG<LiteNode, LiteText, LiteDocument>({ fontCache: 'none' });
  const document = mathjax.document('', { InputJax: tex, OutputJax: svg }) as LiteMathDocument;
  const visitor = new SerializedMmlVisitor();
  return { adaptor, document, tex, convertState: STATE.CONVERT ?? 100, toMathml: (node) => visitor.visitTree(node as Parameters<typeof visitor.visitTree>[0]) };
}

function mathJax(): Promise<MathJaxRuntime> {
  runtime ??= createRuntime().catch((err: unknown) => {
    runtime = undefined;
    throw err;
  });
  return runtime;
}

export type TexRendering = { svg: string; error?: undefined } | { svg?: undefined; error: string };

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** Renders `latex` (without delimiters) to a standalone SVG string, or TeX's error message. */
export async function texToSvg(latex: string, display = false): Promise<TexRendering> {
  const source = latex.trim();
  if (source.length === 0) return { error: 'empty formula' };
  if (source.length > MAX_LATEX_LENGTH) return { error: `formula longer than ${MAX_LATEX_LENGTH} characters` };
  const { adaptor, document, tex } = await mathJax();
  tex.parseOptions.tags.reset();
  let markup: string;
  try {
    const container = document.convert(source, { display, em: 16, ex: 8, containerWidth: 80 * 16 }) as LiteElement;
    markup = adaptor.innerHTML(container);
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  const texError = /data-mjx-error="([^"]*)"/.exec(markup);
  if (texError) return { error: decodeAttribute(texError[1] ?? 'TeX error') };
  return { svg: markup };
}

export type MathmlRendering = { mathml: string; error?: undefined } | { mathml?: undefined; error: string };

/** Converts `latex` (without delimiters) to a MathML `<math>` element, or TeX's error message. */
export async function texToMathml(latex: string, display = false): Promise<MathmlRendering> {
  const source = latex.trim();
  if (source.length === 0) return { error: 'empty formula' };
  if (source.length > MAX_LATEX_LENGTH) return { error: `formula longer than ${MAX_LATEX_LENGTH} characters` };
  const { document, tex, convertState, toMathml } = await mathJax();
  tex.parseOptions.tags.reset();
  try {
    const mathml = toMathml(document.convert(source, { display, end: convertState }));
    // A TeX error is thrown or becomes an <merror> holding TeX's message: report it either way.
    const texError = /<merror[^>]*>\s*<mtext>([^<]*)<\/mtext>/.exec(mathml);
    if (texError) return { error: decodeAttribute(texError[1] ?? 'TeX error') };
    // The serialiser's indentation and MathJax's own data-mjx-* attributes (TeX classes for its
    // renderers) are dropped: plain MathML.
    return { mathml: mathml.replace(/>\n\s*</g, '><').replace(/\s+data-mjx-[a-z-]+="[^"]*"/g, '') };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export interface SvgViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function svgViewBox(svg: string): SvgViewBox | undefined {
  const match = /viewBox="\s*([-\d.eE]+)[\s,]+([-\d.eE]+)[\s,]+([-\d.eE]+)[\s,]+([-\d.eE]+)\s*"/.exec(svg);
  if (!match) return undefined;
  const [x, y, width, height] = match.slice(1, 5).map(Number) as [number, number, number, number];
  if (![x, y, width, height].every(Number.isFinite) || width <= 0 || height <= 0) return undefined;
  return { x, y, width, height };
}

/** Replaces the root element's width and height (MathJax writes them in `ex`) with pixels. */
export function withPixelSize(svg: string, width: number, height: number): string {
  return placeSvg(svg, { width, height });
}

/** Rewrites the root element's position and size, e.g. to nest a formula inside another SVG. */
export function placeSvg(svg: string, place: { x?: number; y?: number; width: number; height: number }): string {
  const position = place.x !== undefined && place.y !== undefined ? ` x="${round2(place.x)}" y="${round2(place.y)}"` : '';
  return svg.replace(/<svg\b([^>]*)>/, (_whole, attributes: string) => {
    const rest = attributes.replace(/\s(x|y|width|height|style|role|focusable)="[^"]*"/g, '');
    return `<svg${rest}${position} width="${round2(place.width)}" height="${round2(place.height)}">`;
  });
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
