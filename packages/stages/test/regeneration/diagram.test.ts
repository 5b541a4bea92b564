import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SemanticGraphOutput, VisionParseOutput } from '@mpp/schemas';
import { buildDiagramGeometry } from '../../src/regeneration/diagram-geometry';
import { labelTex } from '../../src/regeneration/diagram-labels';
import { toDiagramSvg } from '../../src/regeneration/diagram-svg';
import { diagramRoundtrip, loadPageImage } from '../../src/regeneration/roundtrip-checks';
import { toTikz } from '../../src/regeneration/tikz';
import { CIRCLE, DIAGRAM_REGION, graphOutput, pointAt, visionOutput } from './upstream-fixtures';

const TEXTBOOK_11 = join(__dirname, '../../../../test/fixtures/textbook/11/img_diagram.png');

/** Points of textbook/11's diagram, measured by hand in its pixels; the circle is centred on X, radius 89. */
const TEXTBOOK_11_POINTS: Record<string, [number, number]> = {
  A: [72, 50], B: [181, 64], C: [115, 207], D: [213, 132], M: [133, 58], N: [165, 169], X: [127, 123], Y: [135, 32], Z: [180, 188],
};

function textbook11Graph(opts: { radius?: number; segments?: string[]; shiftX?: number } = {}): SemanticGraphOutput {
  const segments = opts.segments ?? ['AB', 'CD', 'XY', 'XZ'];
  return SemanticGraphOutput.parse({
    provider: 'builtin',
    confidence: 0.8,
    duration_ms: 1,
    nodes: [
      ...Object.entries(TEXTBOOK_11_POINTS).map(([name, [x, y]]) => ({ id: `p${name}`, type: 'point', label: name, props: { x: x + (opts.shiftX ?? 0), y }, confidence: 0.9 })),
      ...segments.map((s) => ({ id: `s${s}`, type: 'segment', label: s, props: {}, confidence: 0.9 })),
      { id: 'circle', type: 'circle', label: '\\odot X', props: { center: 'X', radius: opts.radius ?? 89 }, confidence: 0.9 },
    ],
    edges: [],
    validation: { valid: true, issues: [] },
  });
}

describe('buildDiagramGeometry', () => {
  it('reads circles, segments and named points from stage C elements, framed by the diagram region', () => {
    const g = buildDiagramGeometry(undefined, visionOutput())!;
    expect(g.source).toBe('vision');
    expect(g.frame).toEqual(DIAGRAM_REGION);
    expect(g.circles).toEqual([{ id: 'c1', center: { x: CIRCLE.cx, y: CIRCLE.cy }, radius: CIRCLE.r }]);
    expect(g.segments.map((s) => [s.from, s.to])).toEqual([
      [pointAt('A'), pointAt('B')],
      [pointAt('C'), pointAt('D')],
    ]);
    expect(g.points).toEqual([{ id: 'pX', at: pointAt('X'), label: 'X' }]);
    expect(g.labels.map((l) => l.text)).toEqual(['X']);
  });

  it('prefers stage E: segments from endpoint_of edges, circle centre from a center_of edge', () => {
    const g = buildDiagramGeometry(graphOutput(), visionOutput())!;
    expect(g.source).toBe('graph');
    expect(g.frame).toEqual(DIAGRAM_REGION);
    expect(g.segments).toEqual([{ id: 'n_AB', from: pointAt('A'), to: pointAt('B'), kind: 'segment' }]);
    expect(g.circles).toEqual([{ id: 'n_circle', center: pointAt('X'), radius: CIRCLE.r }]);
    expect(g.points.map((p) => p.label)).toEqual(['X', 'A', 'B']);
  });

  it('reads segments named by their points and circles by centre name, and frames them when C gave no region', () => {
    const g = buildDiagramGeometry(textbook11Graph(), undefined)!;
    expect(g.segments.find((s) => s.id === 'sXZ')).toMatchObject({ from: { x: 127, y: 123 }, to: { x: 180, y: 188 } });
    expect(g.circles).toEqual([{ id: 'circle', center: { x: 127, y: 123 }, radius: 89 }]);
    expect(g.frame.x).toBeLessThanOrEqual(127 - 89);
    expect(g.frame.x + g.frame.w).toBeGreaterThanOrEqual(127 + 89);
  });

  it('falls back to stage C when the graph has no coordinates, and gives nothing without either', () => {
    const graph = SemanticGraphOutput.parse({
      provider: 'builtin', confidence: 0.5, duration_ms: 1,
      nodes: [{ id: 'eq', type: 'equation', props: { latex: 'AB = 30' }, confidence: 0.9 }],
      edges: [], validation: { valid: true, issues: [] },
    });
    expect(buildDiagramGeometry(graph, visionOutput())?.source).toBe('vision');
    expect(buildDiagramGeometry(graph, undefined)).toBeUndefined();
    expect(buildDiagramGeometry(undefined, VisionParseOutput.parse({ provider: 'local', confidence: 0, duration_ms: 1, regions: [], elements: [] }))).toBeUndefined();
  });

  it('frames the diagram by the regions that hold its shapes: never a larger empty banner, every figure of a page', () => {
    const vision = visionOutput();
    // A coloured page header read as a figure: larger than the diagram, no shape in it.
    const banner = { id: 'banner', type: 'figure' as const, bbox: { x: 0, y: 0, w: 2000, h: 30 }, confidence: 0.6 };
    const withBanner = VisionParseOutput.parse({ ...vision, regions: [banner, ...vision.regions] });
    expect(buildDiagramGeometry(undefined, withBanner)!.frame).toEqual(DIAGRAM_REGION);
    // A second figure beside the first, with its own segment: the frame spans both.
    const second = { x: DIAGRAM_REGION.x + DIAGRAM_REGION.w + 50, y: DIAGRAM_REGION.y + 10, w: 100, h: 80 };
    const twoFigures = VisionParseOutput.parse({
      ...withBanner,
      regions: [...withBanner.regions, { id: 'r2', type: 'diagram', bbox: second, confidence: 0.9 }],
      elements: [...vision.elements, { id: 's9', type: 'segment', bbox: { ...second, h: 1 }, confidence: 0.9, endpoints: [{ x: second.x + 10, y: second.y + 40 }, { x: second.x + 90, y: second.y + 40 }] }],
    });
    expect(buildDiagramGeometry(undefined, twoFigures)!.frame).toEqual({
      x: DIAGRAM_REGION.x,
      y: DIAGRAM_REGION.y,
      w: second.x + second.w - DIAGRAM_REGION.x,
      h: Math.max(DIAGRAM_REGION.y + DIAGRAM_REGION.h, second.y + second.h) - DIAGRAM_REGION.y,
    });
  });
});

describe('labelTex', () => {
  it('keeps names, values, expressions and stacked fractions as math, and sets anything else as text', () => {
    expect(labelTex('A')).toBe('A');
    expect(labelTex('40°')).toBe('40^\\circ');
    expect(labelTex('2x+3')).toBe('2x+3');
    expect(labelTex('\\frac{1}{4}x+5')).toBe('\\frac{1}{4}x+5');
    expect(labelTex('66-\\frac{2}{3}y')).toBe('66-\\frac{2}{3}y');
    expect(labelTex('\\frac{1}{\\input{x}}')).toBe('\\text{\\textbackslash{}frac\\{1\\}\\{\\textbackslash{}input\\{x\\}\\}}');
  });
});

describe('toTikz', () => {
  it('converts pixels to centimetres relative to the frame, with y pointing up', () => {
    const tikz = toTikz(buildDiagramGeometry(undefined, visionOutput())!);
    const cm = (px: number) => Math.round(px * (2.54 / 96) * 100) / 100;
    const centre = `(${cm(CIRCLE.cx - DIAGRAM_REGION.x)},${cm(DIAGRAM_REGION.y + DIAGRAM_REGION.h - CIRCLE.cy)})`;
    expect(tikz).toContain(`\\draw ${centre} circle [radius=${cm(CIRCLE.r)}];`);
    expect(tikz).toContain(`\\fill ${centre} circle [radius=1.5pt];`);
    expect(tikz).toMatch(/^\\begin\{tikzpicture\}[\s\S]*\\node at \([\d.]+,[\d.]+\) \{\$X\$\};\n\\end\{tikzpicture\}$/);
  });

  it('draws arcs counter-clockwise from start to end angle', () => {
    const tikz = toTikz({ frame: { x: 0, y: 0, w: 96, h: 96 }, points: [], segments: [], polylines: [], labels: [], source: 'vision', circles: [{ id: 'a', center: { x: 48, y: 48 }, radius: 24, arc: [300, 30] }] });
    expect(tikz).toContain('\\draw (1.27,1.27) ++(300:0.64) arc [start angle=300, end angle=390, radius=0.64];');
  });
});

describe('toDiagramSvg', () => {
  it('draws the frame in image pixels with circles, lines, dots and labels as MathJax paths (no fonts needed)', async () => {
    const svg = await toDiagramSvg(buildDiagramGeometry(undefined, visionOutput())!);
    expect(svg).toMatch(new RegExp(`^<svg[^>]+viewBox="${DIAGRAM_REGION.x} ${DIAGRAM_REGION.y} ${DIAGRAM_REGION.w} ${DIAGRAM_REGION.h}"`));
    expect(svg).toContain(`<circle cx="${CIRCLE.cx}" cy="${CIRCLE.cy}" r="${CIRCLE.r}"/>`);
    expect(svg.match(/<line /g)).toHaveLength(2);
    expect(svg).not.toContain('<text');
    expect(svg).toMatch(/<svg[^>]+ x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"[^>]*>/);
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect(meta).toMatchObject({ width: DIAGRAM_REGION.w, height: DIAGRAM_REGION.h });
  });
});

describe('diagram round trip on a real textbook diagram', () => {
  it('scores the right geometry above a wrong radius, missing chords or a shifted drawing', async () => {
    const page = await loadPageImage(readFileSync(TEXTBOOK_11));
    const score = async (graph: SemanticGraphOutput): Promise<number> => {
      const g = buildDiagramGeometry(graph, undefined)!;
      return (await diagramRoundtrip(await toDiagramSvg(g), page, g.frame))!;
    };
    const right = await score(textbook11Graph());
    expect(right).toBeGreaterThan(0.7);
    expect(await score(textbook11Graph({ radius: 60 }))).toBeLessThan(right - 0.15);
    expect(await score(textbook11Graph({ segments: ['XY'] }))).toBeLessThan(right - 0.05);
    expect(await score(textbook11Graph({ shiftX: 20 }))).toBeLessThan(right - 0.15);
  });
});
