/**
 * What every segmentation step shares: the picture and its components, the classifier, the
 * formula's rough em, and the symbol hypothesis they produce; plus reading a set of components
 * (or part of one, by box) with the classifier.
 */
import { cropSymbol } from '../classify/crop';
import { shapeFeatures } from '../classify/features';
import type { Candidate, Observation, TemplateClassifier } from '../classify/classifier';
import type { Box, ComponentMap } from '../image/components';
import type { InkImage } from '../image/ink-image';
import type { TemplateMeta } from '../templates/template-set';
import type { RadicalShape } from './shapes';

export interface SymbolHypothesis {
  comps: number[];
  box: Box;
  /** Ranked labels; the first is the current reading. */
  cands: Candidate[];
  shape?: 'rule' | 'radical';
  radical?: RadicalShape;
}

export interface SegmentContext {
  img: InkImage;
  map: ComponentMap;
  classifier: TemplateClassifier;
  /** Labels whose symbol has two or more parts (as rendered at body size). */
  multipart: ReadonlySet<string>;
  emHint: number;
  /** Readings already made in this picture, by components and box: segmentation asks for the
   * same ones again (a split tried, then the pieces regrouped). */
  readings?: Map<string, readonly Candidate[]>;
}

export function ruleMeta(box: Box, em: number): TemplateMeta {
  return { label: '-', kind: 'bin', display: false, pxPerEm: em, w: box.w, h: box.h, top: 0.25 + box.h / em / 2, bottom: 0.25 - box.h / em / 2, parts: 1 };
}

export function observe(ctx: SegmentContext, comps: number[], box: Box): Observation {
  return { w: box.w, h: box.h, parts: comps.length, features: shapeFeatures(cropSymbol(ctx.img, ctx.map, comps, box)), em: ctx.emHint };
}

export function classifyComps(ctx: SegmentContext, comps: number[], box: Box): Candidate[] {
  if (!ctx.readings) return ctx.classifier.classify(observe(ctx, comps, box));
  const key = `${[...comps].sort((a, b) => a - b).join(',')}|${box.x},${box.y},${box.w},${box.h}`;
  let cands = ctx.readings.get(key);
  if (!cands) {
    cands = ctx.classifier.classify(observe(ctx, comps, box));
    ctx.readings.set(key, cands);
  }
  return [...cands];
}
