/**
 * Hand-built upstream outputs (stages A, B, C, E) and a page image that matches them, for the
 * regeneration tests. Every output is parsed with its zod schema, so the fakes stay honest.
 */
import sharp from 'sharp';
import { IngestionOutput, SemanticGraphOutput, TextParseOutput, VisionParseOutput, type BBox } from '@mpp/schemas';
import { texToSvg } from '../../src/regeneration/mathjax';
import { rasteriseSvg } from '../../src/regeneration/roundtrip-checks';

export const PAGE = { width: 900, height: 300 };
export const DIAGRAM_REGION: BBox = { x: 590, y: 40, w: 240, h: 230 };
export const CIRCLE = { cx: 710, cy: 155, r: 90 };
/** Points on the circle at these angles (degrees, counter-clockwise as seen). */
const ON_CIRCLE: Record<string, number> = { A: 150, B: 30, C: 240, D: 330 };

export function pointAt(name: string): { x: number; y: number } {
  if (name === 'X') return { x: CIRCLE.cx, y: CIRCLE.cy };
  const a = ((ON_CIRCLE[name] ?? 0) * Math.PI) / 180;
  return { x: Math.round(CIRCLE.cx + CIRCLE.r * Math.cos(a)), y: Math.round(CIRCLE.cy - CIRCLE.r * Math.sin(a)) };
}

export const FORMULA_BOXES: BBox[] = [];

/** The page: two formulas on the left, a circle with chords AB and CD on the right. */
export async function buildPage(): Promise<Buffer> {
  const formulas = ['AB = 30', 'm\\widehat{CZ} = 40'];
  const layers: sharp.OverlayOptions[] = [];
  FORMULA_BOXES.length = 0;
  for (const [i, latex] of formulas.entries()) {
    const png = await rasteriseSvg((await texToSvg(latex)).svg!, 32);
    const { width, height } = await sharp(png).metadata();
    const box = { x: 30, y: 40 + i * 80, w: width, h: height };
    FORMULA_BOXES.push(box);
    layers.push({ input: png, left: box.x, top: box.y });
  }
  const [a, b, c, d] = ['A', 'B', 'C', 'D'].map(pointAt) as Array<{ x: number; y: number }>;
  const diagram = `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE.width}" height="${PAGE.height}">
    <circle cx="${CIRCLE.cx}" cy="${CIRCLE.cy}" r="${CIRCLE.r}" fill="none" stroke="#222" stroke-width="2"/>
    <line x1="${a!.x}" y1="${a!.y}" x2="${b!.x}" y2="${b!.y}" stroke="#222" stroke-width="2"/>
    <line x1="${c!.x}" y1="${c!.y}" x2="${d!.x}" y2="${d!.y}" stroke="#222" stroke-width="2"/>
    <circle cx="${CIRCLE.cx}" cy="${CIRCLE.cy}" r="3" fill="#222"/>
  </svg>`;
  layers.push({ input: Buffer.from(diagram), left: 0, top: 0 });
  return sharp({ create: { ...PAGE, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
}

export function ingestionOutput(): IngestionOutput {
  return IngestionOutput.parse({
    provider: 'sharp',
    confidence: 1,
    duration_ms: 5,
    image_ref: 'a'.repeat(64),
    sha256: 'b'.repeat(64),
    original: { format: 'png', width: PAGE.width, height: PAGE.height, bytes: 1000, has_alpha: false },
    width: PAGE.width,
    height: PAGE.height,
    scale: 1,
    rotated: false,
    alpha_flattened: false,
  });
}

/** Stage B: the first formula read right, the second misread (41 for 40), a third that does not parse. */
export function textOutput(): TextParseOutput {
  return TextParseOutput.parse({
    provider: 'local',
    confidence: 0.8,
    duration_ms: 100,
    text: 'In $\\odot X$, $AB = 30$ and $m\\widehat{CZ} = 41$.\nFind 5% of the_total & more: $\\frac{1}{$',
    lines: [],
    formulas: [
      { latex: 'AB = 30', bbox: FORMULA_BOXES[0], confidence: 0.9 },
      { latex: 'm\\widehat{CZ} = 41', bbox: FORMULA_BOXES[1], confidence: 0.7 },
      { latex: '\\frac{1}{', confidence: 0.3 },
    ],
  });
}

/** Stage C: the diagram region with the circle, both chords, the centre and the four named points. */
export function visionOutput(): VisionParseOutput {
  const box = (p: { x: number; y: number }, r = 3): BBox => ({ x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r });
  const [a, b, c, d, x] = ['A', 'B', 'C', 'D', 'X'].map(pointAt) as Array<{ x: number; y: number }>;
  return VisionParseOutput.parse({
    provider: 'local',
    confidence: 0.7,
    duration_ms: 50,
    diagram_type: 'geometry',
    regions: [{ id: 'r1', type: 'diagram', bbox: DIAGRAM_REGION, confidence: 0.9 }],
    elements: [
      { id: 'c1', type: 'circle', bbox: box(x!, CIRCLE.r), confidence: 0.9, center: x, radius: CIRCLE.r },
      { id: 's1', type: 'segment', bbox: box(a!), confidence: 0.9, endpoints: [a, b] },
      { id: 's2', type: 'segment', bbox: box(c!), confidence: 0.9, endpoints: [c, d] },
      { id: 'pX', type: 'point', bbox: box(x!), confidence: 0.9, point: x, text: 'X' },
    ],
  });
}

/** Stage E: the same circle and chord AB as graph nodes with coordinates in their props. */
export function graphOutput(): SemanticGraphOutput {
  const [a, b, x] = ['A', 'B', 'X'].map(pointAt) as Array<{ x: number; y: number }>;
  return SemanticGraphOutput.parse({
    provider: 'builtin',
    confidence: 0.8,
    duration_ms: 3,
    nodes: [
      { id: 'n_X', type: 'point', label: 'X', props: { x: x!.x, y: x!.y }, confidence: 0.9 },
      { id: 'n_A', type: 'point', label: 'A', props: { x: a!.x, y: a!.y }, confidence: 0.9 },
      { id: 'n_B', type: 'point', label: 'B', props: { x: b!.x, y: b!.y }, confidence: 0.9 },
      { id: 'n_AB', type: 'segment', label: 'AB', props: {}, confidence: 0.9 },
      { id: 'n_circle', type: 'circle', label: '\\odot X', props: { radius: CIRCLE.r }, confidence: 0.9 },
    ],
    edges: [
      { id: 'e1', type: 'endpoint_of', from: 'n_A', to: 'n_AB', confidence: 0.9 },
      { id: 'e2', type: 'endpoint_of', from: 'n_B', to: 'n_AB', confidence: 0.9 },
      { id: 'e3', type: 'center_of', from: 'n_X', to: 'n_circle', confidence: 0.9 },
    ],
    validation: { valid: true, issues: [] },
  });
}
