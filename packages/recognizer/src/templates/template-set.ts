/**
 * The labelled templates the classifier compares against: one per vocabulary symbol, scale and
 * sub-pixel offset, each with its shape features and its ink metrics in em relative to the
 * baseline (which the layout analysis uses to estimate baselines and script levels).
 */
import type { SymbolKind } from './vocabulary';

export interface TemplateMeta {
  label: string;
  kind: SymbolKind;
  /** Display-style rendering (big operators). */
  display: boolean;
  pxPerEm: number;
  /** Pixel size of the ink box. */
  w: number;
  h: number;
  /** Ink top and bottom in em above the baseline (bottom is negative for descenders). */
  top: number;
  bottom: number;
  /** Number of connected components the symbol has at this scale. */
  parts: number;
  /** Share of the ink box its ink fills (classify/crop.ts inkFill); absent for shapes read by
   * rule rather than matched against a template (rules, radicals, bars). */
  fill?: number;
}

export interface TemplateSet {
  metas: TemplateMeta[];
  /** Feature vectors of all templates, back to back, FEATURE_LENGTH each. */
  features: Float32Array;
}
