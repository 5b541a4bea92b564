/**
 * What a diagram label says (a point's name, a length, a degree measure, a variable, an
 * expression) and the diagram's scale, from which every distance tolerance is derived so the same
 * rules hold for a 200-pixel and a 2000-pixel figure.
 */
import type { BBox, DiagramElement, VisionParseOutput } from '@mpp/schemas';
import { unionBox } from './geometry';

export type LabelRole = 'point_name' | 'value' | 'variable' | 'expression' | 'other';

export interface DiagramLabel {
  elementId: string;
  /** The label's text, trimmed. */
  text: string;
  bbox: BBox;
  confidence: number;
  role: LabelRole;
  /** For `value` labels. */
  value?: number;
  /** Written with a degree sign: a measure of an angle or arc. */
  degrees: boolean;
}

export interface DiagramScale {
  /** Largest side of the box holding the figure's geometry, in pixels. */
  size: number;
  /** How far a segment's end may be from a point and still end at it. */
  endTolerance: number;
  /** How far a point may be from a segment or circle and still lie on it. */
  onTolerance: number;
  /** How far a label may sit from the point it names. */
  labelReach: number;
  /** Anchors closer than this are one place. */
  mergeTolerance: number;
}

const DEGREE = /\s*(?:°|º|\^\s*\{?\s*\\circ\s*\}?)$/;

export function classifyLabel(element: DiagramElement): DiagramLabel {
  const text = (element.text ?? '').trim().replace(/^[.,:;]+|[.,:;]+$/g, '');
  const degrees = DEGREE.test(text);
  // Stacked fractions read from the picture come as `\frac{1}{4}x+5`: judged as `(1)/(4)x+5`.
  const body = text.replace(DEGREE, '').replace(/\$/g, '').replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, '($1)/($2)').trim();
  const base = { elementId: element.id, text, bbox: element.bbox, confidence: element.confidence, degrees };
  if (/^[A-Z]$/.test(body) && !degrees) return { ...base, role: 'point_name' };
  if (/^-?\d+(?:\.\d+)?$/.test(body)) return { ...base, role: 'value', value: Number(body) };
  if (/^[a-z]$/.test(body)) return { ...base, role: 'variable' };
  if (/^[0-9a-z+\-*/().\s^]+$/.test(body) && /[a-z]/.test(body) && /[0-9+\-*/]/.test(body)) return { ...base, role: 'expression' };
  return { ...base, role: 'other' };
}

/** The `label` elements that carry text (named `point` elements are read in diagram-points.ts). */
export function diagramLabels(vision: VisionParseOutput): DiagramLabel[] {
  return vision.elements.filter((e) => e.type === 'label' && (e.text ?? '').trim().length > 0).map(classifyLabel);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export function diagramScale(vision: VisionParseOutput, labels: readonly DiagramLabel[]): DiagramScale {
  const geometric = vision.elements.filter((e) => e.type !== 'label' && e.type !== 'axis');
  const box = unionBox(geometric.map((e) => e.bbox)) ?? unionBox(labels.map((l) => l.bbox));
  const size = box && Math.max(box.w, box.h) > 0 ? Math.max(box.w, box.h) : 100;
  const labelHeight = median(labels.map((l) => l.bbox.h));
  return {
    size,
    endTolerance: Math.max(4, 0.05 * size),
    onTolerance: Math.max(3, 0.04 * size),
    labelReach: Math.max(0.15 * size, 2.5 * labelHeight),
    mergeTolerance: Math.max(3, 0.03 * size),
  };
}
