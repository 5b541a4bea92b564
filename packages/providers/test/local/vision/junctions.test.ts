/**
 * Where unlabelled points go, on hand-made geometry in page pixels: the corners and crossings of
 * the figure's strokes, not those of the leader lines, tick marks, arrow tips and axes drawn with
 * it, nor inside labels.
 */
import type { BBox } from '@mpp/schemas';
import type { SegmentEnd } from '../../../src/local/vision/arrows';
import { annotationStrokes, findJunctions, type JunctionOptions } from '../../../src/local/vision/junctions';
import { candidateLocations, type PageSegment } from '../../../src/local/vision/points';

type Seg = PageSegment & { confidence: number };
const seg = (x1: number, y1: number, x2: number, y2: number, confidence = 0.9): Seg => ({ a: { x: x1, y: y1 }, b: { x: x2, y: y2 }, confidence });
const TOLERANCE = 5;
const options = (o: Partial<JunctionOptions> = {}): JunctionOptions => ({ tolerance: TOLERANCE, arrowEnds: new Map(), labelBoxes: [], axes: new Set(), ...o });
const junctionsOf = (segments: Seg[], o: Partial<JunctionOptions> = {}) =>
  findJunctions(candidateLocations([], [], segments, TOLERANCE), segments, options(o)).map((j) => ({ x: Math.round(j.location.x), y: Math.round(j.location.y), n: j.segments.length }));

// A parallelogram and its diagonals, crossing at (185, 110).
const sides = [seg(60, 170, 250, 170), seg(250, 170, 310, 50), seg(310, 50, 120, 50), seg(120, 50, 60, 170)];
const diagonals = [seg(60, 170, 310, 50), seg(120, 50, 250, 170)];
const figure = [...sides, ...diagonals];

describe('findJunctions', () => {
  it('puts a point at each corner, where two sides and a diagonal meet, and where the diagonals cross', () => {
    const found = junctionsOf(figure);
    expect(found).toHaveLength(5);
    expect(found.filter((j) => j.n === 3).map(({ x, y }) => `${x},${y}`).sort()).toEqual(['120,50', '250,170', '310,50', '60,170']);
    const crossing = found.find((j) => j.n === 2)!;
    expect(Math.hypot(crossing.x - 185, crossing.y - 110)).toBeLessThan(2);
  });

  it('is at most half sure of a point no label names, and surer where more strokes meet', () => {
    const found = findJunctions(candidateLocations([], [], figure, TOLERANCE), figure, options());
    expect(found.every((j) => j.confidence <= 0.5)).toBe(true);
    expect(found[0]!.segments).toHaveLength(3);
    expect(found[found.length - 1]!.confidence).toBeLessThan(found[0]!.confidence);
  });

  it('makes no point where one straight line is drawn in two pieces, or where strokes barely miss', () => {
    expect(junctionsOf([seg(0, 100, 100, 101), seg(100, 101, 200, 101)])).toEqual([]);
    expect(junctionsOf([seg(0, 100, 100, 100), seg(100 + 3 * TOLERANCE, 100, 150, 200)])).toEqual([]);
  });

  it('makes no point at an arrow tip that touches another stroke', () => {
    const arrow = seg(200, 0, 200, 100);
    const base = seg(100, 100, 300, 100);
    expect(junctionsOf([arrow, base])).toHaveLength(1);
    expect(junctionsOf([arrow, base], { arrowEnds: new Map<PageSegment, Set<SegmentEnd>>([[arrow, new Set(['b'])]]) })).toEqual([]);
  });

  it('makes no point where two axes cross, but does where a line crosses an axis', () => {
    const x = seg(0, 200, 400, 200);
    const y = seg(200, 0, 200, 400);
    expect(junctionsOf([x, y], { axes: new Set([x, y]) })).toEqual([]);
    const line = seg(100, 300, 300, 100);
    expect(junctionsOf([x, y, line], { axes: new Set([x, y]) })).toEqual([{ x: 200, y: 200, n: 3 }]);
  });

  it('makes no point inside a label (the strokes of a glyph)', () => {
    const label: BBox = { x: 80, y: 80, w: 40, h: 40 };
    expect(junctionsOf([seg(85, 85, 115, 115), seg(85, 115, 115, 85)], { labelBoxes: [label] })).toEqual([]);
  });
});

describe('annotationStrokes', () => {
  const value: BBox = { x: 190, y: 0, w: 60, h: 20 };
  const opts = { reach: 8, tolerance: TOLERANCE, tickLength: 30 };

  it('finds the leader from a value label that crosses a side and ends on a diagonal', () => {
    // From beside the label at (195, 22), across the top side at y = 50, to the diagonal at (165, 91.5).
    const leader = seg(195, 22, 165, 91.5);
    const strokes = annotationStrokes([...figure, leader], [], [{ bbox: value }], opts);
    expect([...strokes]).toEqual([leader]);
    // Without it, the crossing with the top side is no junction.
    expect(junctionsOf([...figure, leader])).toHaveLength(7);
    expect(junctionsOf(figure)).toHaveLength(5);
  });

  it('does not take a side for a leader: its ends are corners, whatever label is beside them', () => {
    const beside: BBox = { x: 300, y: 30, w: 30, h: 16 };
    expect(annotationStrokes(figure, [], [{ bbox: beside }], opts).size).toBe(0);
  });

  it('does not take a line whose free arrow tips stop beside a label for a leader', () => {
    const line = seg(100, 120, 400, 120);
    const across = seg(250, 20, 250, 220);
    expect(annotationStrokes([line, across], [], [{ bbox: { x: 404, y: 100, w: 20, h: 20 } }], opts).size).toBe(0);
  });

  it('finds a short tick mark across a side, free at both ends', () => {
    const tick = seg(150, 160, 155, 180);
    expect([...annotationStrokes([...figure, tick], [], [], opts)]).toEqual([tick]);
    expect(junctionsOf([...figure, tick])).toHaveLength(6);
  });
});
