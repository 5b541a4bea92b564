/**
 * Hand-built upstream outputs for test/fixtures/textbook/11 (1031x293): what stages A, B and C
 * produce for "In ⊙X, AB = 30, CD = 30, and m(arc CZ) = 40. Find each measure. 11. AM ...", with
 * the figure on the right: circle X (centre (898,128), radius 95), chords AB and CD, radii XY and
 * XZ crossing the chords at M and N, and the nine labels where the page prints them. Every
 * builder parses its result with the stage's zod schema, so a test never runs on a shape the
 * pipeline could not produce.
 */
import {
  IngestionOutput,
  TextParseOutput,
  VisionParseOutput,
  type DiagramElement,
  type TextLine,
} from '@mpp/schemas';

export const IMAGE = { width: 1031, height: 293 };
export const CIRCLE = { cx: 898, cy: 128, r: 95 };

/** Label centres as printed on the page. */
export const LABEL_CENTRES: Record<string, [number, number]> = {
  A: [826, 52], B: [986, 72], C: [876, 232], D: [998, 138], M: [923, 90],
  N: [937, 153], X: [876, 130], Y: [911, 22], Z: [966, 213],
};

type P = { x: number; y: number };

/** Where the circle meets the ray from its centre towards a label. */
function onCircleTowards(name: string): P {
  const [lx, ly] = LABEL_CENTRES[name] as [number, number];
  const dx = lx - CIRCLE.cx;
  const dy = ly - CIRCLE.cy;
  const k = CIRCLE.r / Math.hypot(dx, dy);
  return { x: CIRCLE.cx + dx * k, y: CIRCLE.cy + dy * k };
}

export const POINTS: Record<'A' | 'B' | 'C' | 'D' | 'X' | 'Y' | 'Z', P> = {
  A: onCircleTowards('A'), B: onCircleTowards('B'), C: onCircleTowards('C'), D: onCircleTowards('D'),
  Y: onCircleTowards('Y'), Z: onCircleTowards('Z'), X: { x: CIRCLE.cx, y: CIRCLE.cy },
};

function box(p: P[], pad = 1): { x: number; y: number; w: number; h: number } {
  const xs = p.map((q) => q.x);
  const ys = p.map((q) => q.y);
  const x = Math.min(...xs) - pad;
  const y = Math.min(...ys) - pad;
  return { x, y, w: Math.max(...xs) + pad - x, h: Math.max(...ys) + pad - y };
}

function segment(id: string, a: P, b: P, confidence = 0.9): DiagramElement {
  return { id, type: 'segment', bbox: box([a, b]), confidence, endpoints: [a, b] };
}

export function labelElement(id: string, text: string, [cx, cy]: [number, number], confidence = 0.92): DiagramElement {
  return { id, type: 'label', text, confidence, bbox: { x: cx - 7, y: cy - 9, w: 14, h: 18 } };
}

export interface VisionVariant {
  /** Label names to leave out (as if vision missed them). */
  omitLabels?: string[];
  /** Extra elements (value labels, angle marks...). */
  extra?: DiagramElement[];
}

export function textbook11Vision(variant: VisionVariant = {}): VisionParseOutput {
  const omit = new Set(variant.omitLabels ?? []);
  const labels = Object.entries(LABEL_CENTRES)
    .filter(([name]) => !omit.has(name))
    .map(([name, centre]) => labelElement(`label_${name}`, name, centre));
  const { A, B, C, D, X, Y, Z } = POINTS;
  const elements: DiagramElement[] = [
    { id: 'circle_1', type: 'circle', bbox: { x: CIRCLE.cx - CIRCLE.r, y: CIRCLE.cy - CIRCLE.r, w: 2 * CIRCLE.r, h: 2 * CIRCLE.r }, confidence: 0.95, center: { x: CIRCLE.cx, y: CIRCLE.cy }, radius: CIRCLE.r },
    { id: 'point_X', type: 'point', bbox: { x: X.x - 3, y: X.y - 3, w: 6, h: 6 }, confidence: 0.9, point: X },
    segment('seg_AB', A, B),
    segment('seg_CD', C, D),
    segment('seg_XY', X, Y),
    segment('seg_XZ', X, Z),
    ...labels,
    ...(variant.extra ?? []),
  ];
  return VisionParseOutput.parse({
    provider: 'local',
    confidence: 0.82,
    duration_ms: 140,
    diagram_type: 'geometry',
    regions: [
      { id: 'r_text', type: 'text_line', bbox: { x: 8, y: 6, w: 620, h: 270 }, confidence: 0.9 },
      { id: 'r_diagram', type: 'diagram', bbox: { x: 795, y: 10, w: 220, h: 240 }, confidence: 0.9 },
    ],
    elements,
    relations: [],
  });
}

export const TEXTBOOK11_TEXT =
  'In $\\odot X$, $AB = 30$, $CD = 30$, and $m\\widehat{CZ} = 40$.\nFind each measure.\n' +
  '11. $AM$ 12. $MB$\n13. $CN$ 14. $ND$\n15. $m\\widehat{DZ}$ 16. $m\\widehat{CD}$\n17. $m\\widehat{AB}$ 18. $m\\widehat{YB}$';

function line(text: string, y: number, words: Array<[string, number, number]>, type: TextLine['type'] = 'mixed'): TextLine {
  return {
    text, type, confidence: 0.9,
    bbox: { x: 10, y, w: 600, h: 28 },
    words: words.map(([w, x, width]) => ({ text: w, bbox: { x, y, w: width, h: 28 }, confidence: 0.9 })),
  };
}

export function textbook11Text(text = TEXTBOOK11_TEXT, confidence = 0.88): TextParseOutput {
  return TextParseOutput.parse({
    provider: 'local',
    confidence,
    duration_ms: 900,
    text,
    lines: [
      line('In ⊙X, AB = 30, CD = 30, and mCZ = 40.', 8, [['In', 12, 24], ['⊙X,', 42, 48], ['AB', 100, 40], ['=', 146, 16], ['30,', 168, 40], ['CD', 218, 40], ['=', 264, 16], ['30,', 286, 40], ['and', 334, 50], ['mCZ', 392, 70], ['=', 468, 16], ['40.', 490, 40]]),
      line('Find each measure.', 50, [['Find', 12, 60], ['each', 80, 60], ['measure.', 148, 120]], 'text'),
      line('11. AM 12. MB', 96, [['11.', 12, 36], ['AM', 72, 50], ['12.', 412, 36], ['MB', 472, 50]]),
      line('13. CN 14. ND', 144, [['13.', 12, 36], ['CN', 72, 50], ['14.', 412, 36], ['ND', 472, 50]]),
      line('15. mDZ 16. mCD', 192, [['15.', 12, 36], ['mDZ', 72, 70], ['16.', 412, 36], ['mCD', 472, 70]]),
      line('17. mAB 18. mYB', 240, [['17.', 12, 36], ['mAB', 72, 70], ['18.', 412, 36], ['mYB', 472, 70]]),
    ],
    formulas: [
      { latex: '\\odot X', bbox: { x: 42, y: 8, w: 40, h: 28 }, confidence: 0.85 },
      { latex: 'AB = 30', bbox: { x: 100, y: 8, w: 108, h: 28 }, confidence: 0.9 },
      { latex: 'CD = 30', bbox: { x: 218, y: 8, w: 108, h: 28 }, confidence: 0.9 },
      { latex: 'm\\widehat{CZ} = 40', bbox: { x: 392, y: 8, w: 138, h: 28 }, confidence: 0.8 },
    ],
  });
}

export function textbook11Image(): IngestionOutput {
  return IngestionOutput.parse({
    provider: 'sharp',
    confidence: 1,
    duration_ms: 35,
    image_ref: 'a'.repeat(64),
    sha256: 'a'.repeat(64),
    original: { format: 'png', width: IMAGE.width, height: IMAGE.height, bytes: 61_204, has_alpha: false },
    width: IMAGE.width,
    height: IMAGE.height,
    scale: 1,
    rotated: false,
    alpha_flattened: false,
  });
}
