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
  /** Template indices in order of pixel height, and per position in that order: height, log
   * aspect, ink span in em, label prior and features (copied in that order, so a height window
   * is read sequentially). Computed once: a call compares ~1,700 templates. */
  private readonly order: number[];
  private readonly heights: Float64Array;
  private readonly logAspects: Float64Array;
  private readonly spans: Float64Array;
  private readonly priors: Float64Array;
  private readonly features: Float32Array;

  constructor(private readonly set: TemplateSet) {
    this.order = set.metas.map((_, i) => i).sort((a, b) => set.metas[a]!.h - set.metas[b]!.h);
    const metas = this.order.map((i) => set.metas[i]!);
    this.heights = Float64Array.from(metas.map((m) => m.h));
    this.logAspects = Float64Array.from(metas.map((m) => Math.log((m.w + 1) / (m.h + 1))));
    this.spans = Float64Array.from(metas.map((m) => m.top - m.bottom));
    this.priors = Float64Array.from(metas.map((m) => labelPrior(m.label)));
    this.features = new Float32Array(set.features.length);
    this.order.forEach((index, k) => this.features.set(set.features.subarray(index * FEATURE_LENGTH, (index + 1) * FEATURE_LENGTH), k * FEATURE_LENGTH));
  }

  get size(): number {
    return this.set.metas.length;
  }

  /** Ranked candidates (best label first, one entry per label), at most `limit`; `accept`
   * chooses the templates compared (by default all but whole words). */
  classify(obs: Observation, limit = 8, accept?: (meta: TemplateMeta) => boolean): Candidate[] {
    const logAspect = Math.log((obs.w + 1) / (obs.h + 1));
    const maxH = this.heights[this.heights.length - 1]!;
    const h = Math.min(obs.h, maxH);
    // Small symbols carry a pixel of quantisation either way, so their tolerance is wider.
    const slack = HEIGHT_TOLERANCE + 1.2 / (h + 1);
    const lo = lowerBound(this.heights, h * Math.exp(-slack));
    const hi = lowerBound(this.heights, h * Math.exp(slack) + 1e-9);
    const aspectSlack = ASPECT_TOLERANCE + 1.5 / (Math.min(obs.w, obs.h) + 1);
    const logEm = obs.em ? Math.log(obs.h / obs.em) : 0;
    const best = new Map<string, Candidate>();
    for (let k = lo; k < hi; k++) {
      const aspectGap = Math.abs(this.logAspects[k]! - logAspect);
      if (aspectGap > aspectSlack) continue;
      const meta = this.set.metas[this.order[k]!]!;
      // Whole-word templates are compared only when asked for (segment/words.ts).
      if (accept ? !accept(meta) : meta.kind === 'word') continue;
      let sizePenalty = 0;
      const span = this.spans[k]!;
      if (obs.em && span >= 0.2) {
        const ratio = Math.abs(logEm - Math.log(span));
        if (ratio > MAX_SIZE_RATIO) continue;
        sizePenalty = SIZE_WEIGHT * Math.max(0, ratio - FREE_SIZE_RATIO);
      }
      const score = correlation(obs.features, this.features, k * FEATURE_LENGTH) - ASPECT_WEIGHT * aspectGap - (meta.parts === obs.parts ? 0 : PARTS_PENALTY) - sizePenalty + this.priors[k]!;
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
