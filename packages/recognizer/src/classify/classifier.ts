/**
 * Nearest-template classification of one symbol candidate. Templates are kept sorted by pixel
 * height, so only those of about the candidate's height and aspect are compared (a few hundred of
 * ~8,000); the score is the shape correlation less penalties for aspect and part-count mismatch.
 * The answer is a ranked list of labels, each with the template that matched best, because the
 * layout analysis re-ranks look-alikes (`o 0 O`, `, '`, `- \bar`) by position and size.
 */
import { FEATURE_LENGTH, correlation } from './features';
import type { TemplateMeta, TemplateSet } from '../templates/template-set';
import { labelPrior } from '../templates/vocabulary';

export interface Candidate {
  label: string;
  score: number;
  template: TemplateMeta;
}

export interface Observation {
  w: number;
  h: number;
  parts: number;
  features: Float32Array;
  /** Rough em of the formula (px); readings implying a very different size are dropped. */
  em?: number;
}

const HEIGHT_TOLERANCE = 0.3;
const ASPECT_TOLERANCE = 0.55;
const ASPECT_WEIGHT = 0.18;
const PARTS_PENALTY = 0.12;
/** Implied em (ink height / template ink span) against the formula's em, as |log ratio|. */
const MAX_SIZE_RATIO = Math.log(2.6);
const FREE_SIZE_RATIO = Math.log(1.5);
const SIZE_WEIGHT = 0.15;

export class TemplateClassifier {
  private readonly order: number[];
  private readonly heights: Float64Array;

  constructor(private readonly set: TemplateSet) {
    this.order = set.metas.map((_, i) => i).sort((a, b) => set.metas[a]!.h - set.metas[b]!.h);
    this.heights = Float64Array.from(this.order.map((i) => set.metas[i]!.h));
  }

  get size(): number {
    return this.set.metas.length;
  }

  /** Ranked candidates (best label first, one entry per label), at most `limit`. */
  classify(obs: Observation, limit = 8, accept?: (meta: TemplateMeta) => boolean): Candidate[] {
    const logAspect = Math.log((obs.w + 1) / (obs.h + 1));
    const maxH = this.heights[this.heights.length - 1]!;
    const h = Math.min(obs.h, maxH);
    // Small symbols carry a pixel of quantisation either way, so their tolerance is wider.
    const slack = HEIGHT_TOLERANCE + 1.2 / (h + 1);
    const lo = lowerBound(this.heights, h * Math.exp(-slack));
    const hi = lowerBound(this.heights, h * Math.exp(slack) + 1e-9);
    const aspectSlack = ASPECT_TOLERANCE + 1.5 / (Math.min(obs.w, obs.h) + 1);
    const best = new Map<string, Candidate>();
    for (let k = lo; k < hi; k++) {
      const index = this.order[k]!;
      const meta = this.set.metas[index]!;
      const aspectGap = Math.abs(Math.log((meta.w + 1) / (meta.h + 1)) - logAspect);
      if (aspectGap > aspectSlack) continue;
      if (accept && !accept(meta)) continue;
      let sizePenalty = 0;
      const span = meta.top - meta.bottom;
      if (obs.em && span >= 0.2) {
        const ratio = Math.abs(Math.log(obs.h / span / obs.em));
        if (ratio > MAX_SIZE_RATIO) continue;
        sizePenalty = SIZE_WEIGHT * Math.max(0, ratio - FREE_SIZE_RATIO);
      }
      const score = correlation(obs.features, this.set.features, index * FEATURE_LENGTH) - ASPECT_WEIGHT * aspectGap - (meta.parts === obs.parts ? 0 : PARTS_PENALTY) - sizePenalty + labelPrior(meta.label);
      const previous = best.get(meta.label);
      if (!previous || score > previous.score) best.set(meta.label, { label: meta.label, score, template: meta });
    }
    return [...best.values()].sort((a, b) => b.score - a.score).slice(0, limit);
  }
}

function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
