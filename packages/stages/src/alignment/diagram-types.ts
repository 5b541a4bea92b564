/**
 * Shapes of the diagram read by name (see diagram-index.ts), kept apart so the modules that fill
 * them in can share them without importing each other.
 */
import type { DiagramElement } from '@mpp/schemas';
import type { DiagramLabel, DiagramScale } from './diagram-labels';
import type { NamedPoint } from './diagram-points';
import type { Pt } from './geometry';

export interface PointOn {
  name: string;
  /** Distance off the segment or circle. */
  offset: number;
  /** Position along a segment (0-1), or polar angle on a circle (degrees). */
  at: number;
}

export interface IndexedSegment {
  element: DiagramElement;
  kind: 'segment' | 'line' | 'ray';
  a: Pt;
  b: Pt;
  ends: [string | undefined, string | undefined];
  endDistances: [number, number];
  /** Named points strictly between the ends, in order from `a`. */
  interior: PointOn[];
  /** Canonical name when both ends are named (`AB`). */
  name?: string;
}

export interface IndexedCircle {
  element: DiagramElement;
  centre: Pt;
  radius: number;
  centreName?: string;
  centreDistance: number;
  /** Named points on the circle, by polar angle. */
  on: PointOn[];
}

export interface IndexedArc {
  element: DiagramElement;
  centre: Pt;
  radius: number;
  ends: [string | undefined, string | undefined];
  name?: string;
}

export interface IndexedMark {
  element: DiagramElement;
  /** Named point nearest to the mark, when within reach: the angle's vertex. */
  vertex?: string;
  distance: number;
}

export interface DiagramIndex {
  scale: DiagramScale;
  points: Map<string, NamedPoint>;
  labels: DiagramLabel[];
  duplicateLabels: DiagramLabel[];
  segments: IndexedSegment[];
  circles: IndexedCircle[];
  arcs: IndexedArc[];
  angleMarks: IndexedMark[];
  values: ValueAttachment[];
  elements: Map<string, DiagramElement>;
}

export interface ValueAttachment {
  label: DiagramLabel;
  /** The segment or arc measured, e.g. `segment:AB`, `arc:CZ`. */
  targetId?: string;
  /** For degree labels away from circles: the vertex of the angle measured. */
  vertex?: string;
  /** How clearly the label belongs to what it was attached to, 0-1. */
  quality: number;
}
