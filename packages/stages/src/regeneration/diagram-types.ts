/** The shapes of a regenerated diagram, in pixels of the normalised image (y downwards). */
import type { BBox } from '@mpp/schemas';

export interface Point2 {
  x: number;
  y: number;
}

export interface DiagramGeometry {
  /** The diagram's region of the image; TikZ and SVG coordinates are relative to it. */
  frame: BBox;
  points: Array<{ id: string; at: Point2; label?: string }>;
  segments: Array<{ id: string; from: Point2; to: Point2; kind: 'segment' | 'line' | 'ray' | 'axis' }>;
  circles: Array<{ id: string; center: Point2; radius: number; /** Arc start and end, degrees counter-clockwise as seen. */ arc?: [number, number] }>;
  polylines: Array<{ id: string; points: Point2[]; closed: boolean }>;
  /** Text placed at `at` (centre of its box), `size` pixels tall. */
  labels: Array<{ text: string; at: Point2; size: number }>;
  source: 'graph' | 'vision';
}

/** A diagram's shapes before its frame is decided. */
export type DiagramShapes = Omit<DiagramGeometry, 'frame' | 'source'>;
