/**
 * The regenerated diagram as one self-contained SVG, drawn in the diagram frame's own pixel
 * coordinates (so it overlays the source region exactly). Labels are MathJax paths rather than
 * <text>, so the picture looks the same wherever it is rendered, with or without fonts.
 */
import type { DiagramGeometry, Point2 } from './diagram-types';
import { labelTex } from './diagram-labels';
import { placeSvg, svgViewBox, texToSvg } from './mathjax';

const STROKE_WIDTH = 2;
const DOT_RADIUS = 3;
/** MathJax's capital letters stand about 0.68 em tall: a label `size` pixels tall gets this em. */
const CAP_HEIGHT_EM = 0.68;

function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function onCircle(center: Point2, radius: number, degrees: number): Point2 {
  const a = (degrees * Math.PI) / 180;
  return { x: center.x + radius * Math.cos(a), y: center.y - radius * Math.sin(a) };
}

function shapesMarkup(g: DiagramGeometry): string[] {
  const parts: string[] = [];
  for (const s of g.segments) parts.push(`<line x1="${n(s.from.x)}" y1="${n(s.from.y)}" x2="${n(s.to.x)}" y2="${n(s.to.y)}"/>`);
  for (const c of g.circles) {
    if (!c.arc) {
      parts.push(`<circle cx="${n(c.center.x)}" cy="${n(c.center.y)}" r="${n(c.radius)}"/>`);
      continue;
    }
    const [start, end] = c.arc;
    const sweep = (((end - start) % 360) + 360) % 360;
    const from = onCircle(c.center, c.radius, start);
    const to = onCircle(c.center, c.radius, start + sweep);
    // Counter-clockwise as seen is sweep-flag 0 in SVG's y-down coordinates.
    parts.push(`<path d="M ${n(from.x)} ${n(from.y)} A ${n(c.radius)} ${n(c.radius)} 0 ${sweep > 180 ? 1 : 0} 0 ${n(to.x)} ${n(to.y)}"/>`);
  }
  for (const p of g.polylines) {
    const tag = p.closed ? 'polygon' : 'polyline';
    parts.push(`<${tag} points="${p.points.map((q) => `${n(q.x)},${n(q.y)}`).join(' ')}"/>`);
  }
  return parts;
}

async function labelMarkup(text: string, at: Point2, size: number): Promise<string | undefined> {
  const rendered = await texToSvg(labelTex(text));
  if (!rendered.svg) return undefined;
  const box = svgViewBox(rendered.svg);
  if (!box) return undefined;
  const em = size / CAP_HEIGHT_EM;
  const width = (box.width / 1000) * em;
  const height = (box.height / 1000) * em;
  return placeSvg(rendered.svg, { x: at.x - width / 2, y: at.y - height / 2, width, height });
}

export async function toDiagramSvg(g: DiagramGeometry): Promise<string> {
  const { x, y, w, h } = g.frame;
  const labels = (await Promise.all(g.labels.map((l) => labelMarkup(l.text, l.at, l.size)))).filter((m): m is string => !!m);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(w)}" height="${n(h)}" viewBox="${n(x)} ${n(y)} ${n(w)} ${n(h)}">`,
    `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="#ffffff"/>`,
    `<g fill="none" stroke="#000000" stroke-width="${STROKE_WIDTH}" stroke-linecap="round" stroke-linejoin="round">`,
    ...shapesMarkup(g),
    '</g>',
    '<g fill="#000000">',
    ...g.points.map((p) => `<circle cx="${n(p.at.x)}" cy="${n(p.at.y)}" r="${DOT_RADIUS}"/>`),
    '</g>',
    ...labels,
    '</svg>',
  ].join('\n');
}
