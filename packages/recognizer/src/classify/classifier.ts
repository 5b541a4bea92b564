/**
 * Nearest-template classification of one symbol candidate. Templates are kept sorted by pixel
 * height, so only those of about the candidate's height and aspect are compared (a few hundred of
 * ~8,000); the score is the shape correlation less penalties for aspect and part-count mismatch.
 * The answer is a ranked list of labels, each with the template that matched best, because the
 * layout analysis re-ranks look-alikes (`o 0 O`, `, '`, `- \bar`) by position and size.
 * The correlations themselves are computed in WebAssembly SIMD (dots.ts), all of a call at once.
 */
import { FEATURE_LENGTH } from './features';
import { TemplateBank } from './dots';
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
  /** Template indices in order of pixel height, then of aspect, and per position in that order:
   * height, log aspect, ink span in em, label prior and features (copied in that order, so a
   * height window is read sequentially). Computed once: a call compares ~1,000 templates. */
  private readonly order: number[];
  private readonly heights: Float64Array;
  /** Per position, the end of its run of templates of the same height. */
  private readonly runEnds: Int32Array;
  private readonly logAspects: Float64Array;
  private readonly spans: Float64Array;
  private readonly priors: Float64Array;
  private readonly logSpans: Float64Array;
  private readonly parts: Int32Array;
  /** 1 for whole-word templates. */
  private readonly words: Uint8Array;
  /** A number per label, and per label the best template (-1: none yet) and score of a call. */
  private readonly labelIds: Int32Array;
  private readonly bestAt: Int32Array;
  private readonly bestScore: Float64Array;
  private readonly penalties: Float64Array;
  private readonly bank: TemplateBank;

  constructor(private readonly set: TemplateSet) {
    const logAspect = (m: TemplateMeta): number => Math.log((m.w + 1) / (m.h + 1));
    this.order = set.metas.map((_, i) => i).sort((a, b) => set.metas[a]!.h - set.metas[b]!.h || logAspect(set.metas[a]!) - logAspect(set.metas[b]!));
    const metas = this.order.map((i) => set.metas[i]!);
    this.heights = Float64Array.from(metas.map((m) => m.h));
    this.runEnds = new Int32Array(metas.length);
    for (let k = metas.length - 1; k >= 0; k--) this.runEnds[k] = k + 1 < metas.length && metas[k + 1]!.h === metas[k]!.h ? this.runEnds[k + 1]! : k + 1;
    this.logAspects = Float64Array.from(metas.map(logAspect));
    this.spans = Float64Array.from(metas.map((m) => m.top - m.bottom));
    this.priors = Float64Array.from(metas.map((m) => labelPrior(m.label)));
    this.logSpans = Float64Array.from(metas.map((m) => Math.log(Math.max(1e-6, m.top - m.bottom))));
    this.parts = Int32Array.from(metas.map((m) => m.parts));
    this.words = Uint8Array.from(metas.map((m) => (m.kind === 'word' ? 1 : 0)));
    const ids = new Map<string, number>();
    this.labelIds = Int32Array.from(metas.map((m) => ids.get(m.label) ?? ids.set(m.label, ids.size).size - 1));
    this.bestAt = new Int32Array(ids.size).fill(-1);
    this.bestScore = new Float64Array(ids.size);
    this.penalties = new Float64Array(metas.length);
    const features = new Float32Array(set.features.length);
    this.order.forEach((index, k) => features.set(set.features.subarray(index * FEATURE_LENGTH, (index + 1) * FEATURE_LENGTH), k * FEATURE_LENGTH));
    this.bank = new TemplateBank(features, metas.length);
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
    // First the templates that qualify and what their score loses besides the correlation,
    // then all their correlations in one call (SIMD), then the best per label.
    const { indices, results } = this.bank;
    const penalties = this.penalties;
    let n = 0;
    // Within each run of one height the templates are in order of aspect: only the slice of
    // the admissible aspects is visited.
    for (let run = lo; run < hi; run = this.runEnds[run]!) {
      const end = Math.min(hi, this.runEnds[run]!);
      const from = lowerBound(this.logAspects, logAspect - aspectSlack, run, end);
      const to = upperBound(this.logAspects, logAspect + aspectSlack, from, end);
      for (let k = from; k < to; k++) {
        // Whole-word templates are compared only when asked for (segment/words.ts).
        if (accept ? !accept(this.set.metas[this.order[k]!]!) : this.words[k] === 1) continue;
        let sizePenalty = 0;
        const span = this.spans[k]!;
        if (obs.em && span >= 0.2) {
          const ratio = Math.abs(logEm - this.logSpans[k]!);
          if (ratio > MAX_SIZE_RATIO) continue;
          sizePenalty = SIZE_WEIGHT * Math.max(0, ratio - FREE_SIZE_RATIO);
        }
        indices[n] = k;
        penalties[n] = ASPECT_WEIGHT * Math.abs(this.logAspects[k]! - logAspect) + (this.parts[k] === obs.parts ? 0 : PARTS_PENALTY) + sizePenalty - this.priors[k]!;
        n++;
      }
    }

    this.bank.compare(obs.features, n);
    const touched: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = indices[i]!;
      const score = results[i]! - penalties[i]!;
      const label = this.labelIds[k]!;
      if (this.bestAt[label] === -1) {
        touched.push(label);
        this.bestAt[label] = k;
        this.bestScore[label] = score;
      } else if (score > this.bestScore[label]!) {
        this.bestAt[label] = k;
        this.bestScore[label] = score;
      }
    }
    // The best `limit` labels, by insertion into a short sorted list (most of the few hundred
    // labels touched fall below it at once); ties keep the order labels were first seen in.
    const top: number[] = [];
    for (const label of touched) {
      const score = this.bestScore[label]!;
      if (top.length === limit && score <= this.bestScore[top[limit - 1]!]!) continue;
      let at = top.length;
      while (at > 0 && this.bestScore[top[at - 1]!]! < score) at--;
      top.splice(at, 0, label);
      if (top.length > limit) top.pop();
    }
    const out = top.map((label): Candidate => {
      const meta = this.set.metas[this.order[this.bestAt[label]!]!]!;
      return { label: meta.label, score: this.bestScore[label]!, template: meta };
    });
    for (const label of touched) this.bestAt[label] = -1;
    return out;
  }
}

/** First index in [from, to) whose value is >= `value` (`to` when none). */
function lowerBound(sorted: Float64Array, value: number, from = 0, to = sorted.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [from, to) whose value is > `value` (`to` when none). */
function upperBound(sorted: Float64Array, value: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
