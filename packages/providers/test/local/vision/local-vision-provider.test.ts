/**
 * The local vision provider end to end: real sharp, real tesseract for the labels, the textbook
 * and geometry fixtures. Geometry is checked against what the pictures show (measured by hand on
 * textbook/11: the circle's ink spans x 808..986 and y 40..218, so its centre line has radius
 * about 88.5 around (897, 129)) and against the Inter-GPS ground truth in logic_form.json, whose
 * coordinates are the diagram's own, shifted by an unknown offset.
 */
import sharp from 'sharp';
import { placeTexSvg, texToSvg } from '@mpp/recognizer';
import { VisionParseOutput, type BBox, type DiagramElement } from '@mpp/schemas';
import { LocalVisionProvider, type LocalVisionResult } from '../../../src/local/vision';
import { TesseractEngine } from '../../../src/local/tesseract-engine';
import { bestShift, dist, fixture, logicForm, truePoints, type P } from './logic-form';

const engine = new TesseractEngine();
const provider = new LocalVisionProvider(engine);
afterAll(() => engine.terminate());

const results = new Map<string, LocalVisionResult>();
/** Each image is analysed once per file; several tests look at the same answer. */
async function analysed(...parts: string[]): Promise<LocalVisionResult> {
  const key = parts.join('/');
  let result = results.get(key);
  if (!result) {
    result = await provider.analyse(fixture(...parts), { signal: new AbortController().signal });
    results.set(key, result);
  }
  return result;
}

const boxDistance = (p: P, b: BBox) => Math.hypot(Math.max(0, b.x - p.x, p.x - b.x - b.w), Math.max(0, b.y - p.y, p.y - b.y - b.h));
const ofType = (r: LocalVisionResult, ...types: DiagramElement['type'][]) => r.elements.filter((e) => types.includes(e.type));
const namedPoint = (r: LocalVisionResult, name: string) => r.elements.find((e) => e.type === 'point' && e.text === name);
const label = (r: LocalVisionResult, text: string) => r.elements.find((e) => e.type === 'label' && e.text === text);
const lineLike = (r: LocalVisionResult) => ofType(r, 'segment', 'line', 'ray');
const hasRelation = (r: LocalVisionResult, type: string, from: string | undefined, to: string | undefined) =>
  r.relations.some((rel) => rel.type === type && rel.from === from && rel.to === to);

describe('LocalVisionProvider on textbook/11 (prose on the left, a labelled circle on the right)', () => {
  it('finds one diagram region on the right and the text lines on the left', async () => {
    const r = await analysed('textbook', '11', 'img_problem.png');
    const diagrams = r.regions.filter((g) => g.type === 'diagram');
    expect(diagrams).toHaveLength(1);
    expect(diagrams[0]!.bbox.x).toBeGreaterThan(750);
    expect(diagrams[0]!.bbox.w).toBeGreaterThan(150);
    const lines = r.regions.filter((g) => g.type === 'text_line');
    // "In ⊙X, ...", "Find each measure." and the exercise items 11-18 in two columns.
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.every((g) => g.bbox.x + g.bbox.w < 750)).toBe(true);
    expect(r.regions.some((g) => g.type === 'formula')).toBe(true);
    expect(r.diagram_type).toBe('geometry');
  });

  it('reads every point label and turns each into a named point beside it', async () => {
    const r = await analysed('textbook', '11', 'img_problem.png');
    for (const name of ['A', 'B', 'C', 'D', 'M', 'N', 'X', 'Y', 'Z']) {
      const l = label(r, name);
      const p = namedPoint(r, name);
      expect(l).toBeDefined();
      expect(p).toBeDefined();
      expect(boxDistance(p!.point!, l!.bbox)).toBeLessThan(1.5 * l!.bbox.h);
      expect(hasRelation(r, 'labels', l!.id, p!.id)).toBe(true);
    }
  });

  it('finds the circle centred on X with the radius of the drawn circle', async () => {
    const r = await analysed('textbook', '11', 'img_problem.png');
    const circles = ofType(r, 'circle');
    expect(circles).toHaveLength(1);
    const circle = circles[0]!;
    expect(dist(circle.center!, { x: 897, y: 129 })).toBeLessThan(3);
    expect(circle.radius!).toBeGreaterThan(85.5);
    expect(circle.radius!).toBeLessThan(91.5);
    const x = namedPoint(r, 'X')!;
    expect(dist(x.point!, circle.center!)).toBeLessThan(4);
    expect(hasRelation(r, 'center_of', x.id, circle.id)).toBe(true);
    for (const name of ['A', 'B', 'C', 'D', 'Y', 'Z']) expect(hasRelation(r, 'lies_on', namedPoint(r, name)!.id, circle.id)).toBe(true);
  });

  it('finds the chords AB and CD ending at their labels, with M and N on them', async () => {
    const r = await analysed('textbook', '11', 'img_problem.png');
    for (const [a, b, mid] of [['A', 'B', 'M'], ['C', 'D', 'N']] as const) {
      const la = label(r, a)!.bbox;
      const lb = label(r, b)!.bbox;
      const chord = lineLike(r).find((s) => {
        const [p, q] = s.endpoints!;
        return (boxDistance(p, la) < 20 && boxDistance(q, lb) < 20) || (boxDistance(q, la) < 20 && boxDistance(p, lb) < 20);
      });
      expect(chord).toBeDefined();
      expect(chord!.text).toBe(`${a}${b}`);
      expect(hasRelation(r, 'lies_on', namedPoint(r, mid)!.id, chord!.id)).toBe(true);
    }
    // The radii XY and XZ are segments too, and the right-angle marks make them perpendicular to the chords.
    const names = lineLike(r).map((s) => s.text);
    expect(names).toEqual(expect.arrayContaining(['XY', 'XZ']));
    expect(r.relations.filter((rel) => rel.type === 'perpendicular_to')).toHaveLength(2);
  });

  it('gives every element a box in the image, a confidence and its diagram region', async () => {
    const r = await analysed('textbook', '11', 'img_problem.png');
    const diagram = r.regions.find((g) => g.type === 'diagram')!;
    expect(r.elements.length).toBeGreaterThan(20);
    for (const e of r.elements) {
      expect(e.region_id).toBe(diagram.id);
      expect(e.confidence).toBeGreaterThan(0);
      expect(e.confidence).toBeLessThanOrEqual(1);
      expect(e.bbox.x).toBeGreaterThanOrEqual(diagram.bbox.x - 5);
      expect(e.bbox.x + e.bbox.w).toBeLessThanOrEqual(1031);
    }
    const ids = new Set(r.elements.map((e) => e.id));
    expect(ids.size).toBe(r.elements.length);
    expect(r.relations.every((rel) => ids.has(rel.from) && ids.has(rel.to))).toBe(true);
    expect(() => VisionParseOutput.parse({ ...r, provider: 'local', duration_ms: 1 })).not.toThrow();
  });
});

describe('LocalVisionProvider against the logic_form ground truth', () => {
  it('textbook/12: places at least 70% of the labelled points where the ground truth has them', async () => {
    const r = await analysed('textbook', '12', 'img_diagram.png');
    const truth = logicForm('12');
    const names = Object.keys(truth.point_positions);
    const found = names.filter((n) => namedPoint(r, n));
    expect(found.length).toBeGreaterThanOrEqual(Math.ceil(0.7 * names.length));
    // Up to the unknown shift, the named points sit where the ground truth puts them.
    const pairs = found.map((n) => ({ truth: { x: truth.point_positions[n]![0], y: truth.point_positions[n]![1] }, ours: namedPoint(r, n)!.point! }));
    const shift = {
      x: pairs.map((p) => p.ours.x - p.truth.x).sort((a, b) => a - b)[pairs.length >> 1]!,
      y: pairs.map((p) => p.ours.y - p.truth.y).sort((a, b) => a - b)[pairs.length >> 1]!,
    };
    const close = pairs.filter((p) => dist({ x: p.truth.x + shift.x, y: p.truth.y + shift.y }, p.ours) < 8);
    expect(close.length).toBeGreaterThanOrEqual(found.length - 1);
    expect(ofType(r, 'circle')).toHaveLength(truth.circle_instances.filter(Boolean).length);
    // The values are read as labels too.
    expect(r.elements.filter((e) => e.type === 'label').map((e) => e.text)).toEqual(expect.arrayContaining(['5', '7.5', '4.5', 'x']));
  });

  it.each([['13'], ['15']])('textbook/%s: every ground-truth line is covered by a found segment', async (id) => {
    const r = await analysed('textbook', id, 'img_diagram.png');
    const truth = logicForm(id);
    const gt = truePoints(truth);
    const segments = lineLike(r);
    const ends = segments.flatMap((s) => s.endpoints!);
    const { shift, matched } = bestShift(Object.values(gt), ends);
    // Corners are segment ends; J, where the diagonals of 13 cross, is not.
    expect(matched).toBeGreaterThanOrEqual(Object.keys(gt).length - 1);
    const onSegment = (p: P, s: DiagramElement) => {
      const [a, b] = s.endpoints!;
      const len = dist(a, b);
      const t = ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / (len * len);
      const foot = { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) };
      return t > -0.03 && t < 1.03 && dist(p, foot) < 4;
    };
    for (const line of truth.line_instances) {
      const [p, q] = [gt[line[0]!]!, gt[line[1]!]!].map((g) => ({ x: g.x + shift.x, y: g.y + shift.y }));
      expect(segments.some((s) => onSegment(p!, s) && onSegment(q!, s))).toBe(true);
    }
    expect(ofType(r, 'circle')).toHaveLength(0);
  });

  it('textbook/15: marks the right angle at C and reads the side values', async () => {
    const r = await analysed('textbook', '15', 'img_diagram.png');
    expect(ofType(r, 'angle_mark')).toHaveLength(1);
    expect(r.relations.filter((rel) => rel.type === 'perpendicular_to')).toHaveLength(1);
    expect(r.elements.filter((e) => e.type === 'label').map((e) => e.text)).toEqual(expect.arrayContaining(['10', 'x', 'y']));
  });

  it('textbook/18: reads a value whose glyphs touch (2x printed as one blob) by cutting it, and keeps an italic Z whole (11)', async () => {
    const labels = (await analysed('textbook', '18', 'img_diagram.png')).elements.filter((e) => e.type === 'label').map((e) => e.text);
    expect(labels.sort()).toEqual(['(3y+3)°', '(4y-19)°', '2x-1', '4x-17']);
    const names = (await analysed('textbook', '11', 'img_diagram.png')).elements.filter((e) => e.type === 'point' && e.text).map((e) => e.text);
    expect(names.sort()).toEqual(['A', 'B', 'C', 'D', 'M', 'N', 'X', 'Y', 'Z']);
  });

  it('textbook/14: reads the stacked fractions of its value labels whole, and is geometry with no axes', async () => {
    const r = await analysed('textbook', '14', 'img_diagram.png');
    const labels = r.elements.filter((e) => e.type === 'label').map((e) => e.text);
    expect(labels.sort()).toEqual(['66-\\frac{2}{3}y', '\\frac{1}{2}x-7', '\\frac{1}{3}y-6', '\\frac{1}{4}x+5']);
    expect(r.diagram_type).toBe('geometry');
    expect(ofType(r, 'axis')).toHaveLength(0);
  });
});

describe('LocalVisionProvider on other pictures', () => {
  it('geometry/23.jpg: finds the straight strokes of the chocolate heart and no circle', async () => {
    const r = await analysed('geometry', '23.jpg');
    expect(r.regions.filter((g) => g.type === 'diagram')).toHaveLength(1);
    expect(r.diagram_type).toBe('geometry');
    expect(ofType(r, 'circle')).toHaveLength(0);
    const segments = lineLike(r);
    // Four horizontal grid lines, four verticals (two split by the notch), four diagonal edges.
    expect(segments.length).toBeGreaterThanOrEqual(12);
    const horizontal = segments.filter((s) => Math.abs(s.endpoints![0].y - s.endpoints![1].y) < 2);
    expect(horizontal.length).toBeGreaterThanOrEqual(4);
  });

  it('a printed formula is a formula region with no diagram', async () => {
    const r = await analysed('im2latex', '73b51f198b.png');
    expect(r.diagram_type).toBe('none');
    expect(r.elements).toHaveLength(0);
    expect(r.regions.some((g) => g.type === 'formula')).toBe(true);
    expect(r.regions.some((g) => g.type === 'diagram')).toBe(false);
  });

  it.each([
    ['an integral with limits', 'A=\\int_{a}^{b} f(x)\\,dx'],
    ['a matrix in big brackets', 'M=\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}'],
  ])('a displayed formula with %s under a line of prose is a formula, not a diagram', async (_what, latex) => {
    const f = texToSvg(latex, true);
    const height = Math.ceil(90 + (f.viewBox.height / 1000) * 28 + 40);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="${height}"><rect width="800" height="${height}" fill="#fff"/><text x="20" y="40" font-family="DejaVu Serif, serif" font-size="24">The area of the region is given by</text>${placeTexSvg(f, { x: 220, y: 80, pxPerEm: 28, strokeUnits: 10 })}</svg>`;
    const r = await provider.analyse(await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer(), { signal: new AbortController().signal });
    expect(r.diagram_type).toBe('none');
    expect(r.elements).toHaveLength(0);
    expect(r.regions.some((g) => g.type === 'diagram')).toBe(false);
    expect(r.regions.some((g) => g.type === 'formula' && g.bbox.y >= 70)).toBe(true);
  });

  it('a blank page has no regions and no elements', async () => {
    const blank = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const r = await provider.analyse(blank, { signal: new AbortController().signal });
    expect(r.regions).toHaveLength(0);
    expect(r.elements).toHaveLength(0);
    expect(r.diagram_type).toBe('none');
  });

  it('measures a synthetic circle: centre, radius, the radius drawn from its centre dot, and the dot as a point', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="260"><rect width="320" height="260" fill="white"/>' +
        '<circle cx="160" cy="130" r="70" fill="none" stroke="black" stroke-width="2"/>' +
        '<circle cx="160" cy="130" r="4" fill="black"/>' +
        '<line x1="160" y1="130" x2="230" y2="130" stroke="black" stroke-width="2"/></svg>',
    );
    const r = await provider.analyse(await sharp(svg).png().toBuffer(), { signal: new AbortController().signal });
    const circle = ofType(r, 'circle')[0]!;
    expect(dist(circle.center!, { x: 160, y: 130 })).toBeLessThan(1.5);
    expect(Math.abs(circle.radius! - 70)).toBeLessThan(1.5);
    const radius = lineLike(r)[0]!;
    expect(radius).toBeDefined();
    const far = radius.endpoints!.reduce((a, b) => (b.x > a.x ? b : a));
    expect(dist(far, { x: 230, y: 130 })).toBeLessThan(3);
    expect(ofType(r, 'point')).toHaveLength(1);
  });

  it('calls a drawing with two crossing arrowed axes a graph, and its parabola a curve', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="320"><rect width="400" height="320" fill="white"/>' +
        '<line x1="30" y1="260" x2="370" y2="260" stroke="black" stroke-width="2"/><polygon points="380,260 364,253 364,267" fill="black"/>' +
        '<line x1="200" y1="300" x2="200" y2="30" stroke="black" stroke-width="2"/><polygon points="200,20 193,36 207,36" fill="black"/>' +
        '<path d="M 80 40 Q 200 480 320 40" fill="none" stroke="black" stroke-width="2"/></svg>',
    );
    const r = await provider.analyse(await sharp(svg).png().toBuffer(), { signal: new AbortController().signal });
    expect(r.diagram_type).toBe('graph');
    const axes = ofType(r, 'axis');
    expect(axes).toHaveLength(2);
    // The arrow tips are the axes' far ends.
    const ends = axes.flatMap((a) => a.endpoints!);
    expect(ends.some((p) => dist(p, { x: 380, y: 260 }) < 5)).toBe(true);
    expect(ends.some((p) => dist(p, { x: 200, y: 20 }) < 5)).toBe(true);
    const curves = ofType(r, 'curve');
    expect(curves.length).toBeGreaterThanOrEqual(1);
    expect(curves.every((c) => c.path!.length >= 4)).toBe(true);
    expect(ofType(r, 'segment')).toHaveLength(0);
    // Arrowheads are not point marks.
    expect(ofType(r, 'point')).toHaveLength(0);
  });

  it('calls parallel arrowed lines cut by a transversal geometry, not axes, with a point at each crossing (textbook/14)', async () => {
    const arrow = (x1: number, y1: number, x2: number, y2: number) => {
      const heads = (x: number, y: number, dx: number, dy: number) => `<polygon points="${x},${y} ${x - 16 * dx + 7 * dy},${y - 16 * dy - 7 * dx} ${x - 16 * dx - 7 * dy},${y - 16 * dy + 7 * dx}" fill="black"/>`;
      const len = Math.hypot(x2 - x1, y2 - y1);
      const [dx, dy] = [(x2 - x1) / len, (y2 - y1) / len];
      return `<line x1="${x1 + 10 * dx}" y1="${y1 + 10 * dy}" x2="${x2 - 10 * dx}" y2="${y2 - 10 * dy}" stroke="black" stroke-width="2"/>${heads(x2, y2, dx, dy)}${heads(x1, y1, -dx, -dy)}`;
    };
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="420" height="320"><rect width="420" height="320" fill="white"/>' +
        arrow(20, 80, 400, 80) + arrow(20, 160, 400, 160) + arrow(20, 240, 400, 240) + arrow(150, 300, 150, 20) + '</svg>',
    );
    const r = await provider.analyse(await sharp(svg).png().toBuffer(), { signal: new AbortController().signal });
    expect(r.diagram_type).toBe('geometry');
    expect(ofType(r, 'axis')).toHaveLength(0);
    const crossings = [80, 160, 240].map((y) => ({ x: 150, y }));
    for (const at of crossings) expect(ofType(r, 'point').filter((p) => dist(p.point!, at) < 4)).toHaveLength(1);
  });

  it('analyses a page larger than the working size at reduced scale and answers in input pixels', async () => {
    const page = fixture('textbook', '11', 'img_problem.png');
    const big = await sharp(page).resize(2578).png().toBuffer();
    const r = await provider.analyse(big, { signal: new AbortController().signal });
    const circle = ofType(r, 'circle')[0]!;
    expect(dist(circle.center!, { x: 897 * 2.5, y: 129 * 2.5 })).toBeLessThan(8);
    expect(Math.abs(circle.radius! - 88.5 * 2.5)).toBeLessThan(8);
    expect(r.regions.find((g) => g.type === 'diagram')!.bbox.x).toBeGreaterThan(750 * 2.5);
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(provider.analyse(fixture('geometry', '23.jpg'), { signal: controller.signal })).rejects.toThrow('cancelled');
  });
});
