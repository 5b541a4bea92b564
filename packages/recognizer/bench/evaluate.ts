/**
 * Scores one system on one set: per formula the normalised prediction, exact match, token edit
 * distance and image match; per set the means, pooled edit distance, corpus BLEU-4 and time.
 */
import { normalizeLatex } from '@mpp/recognizer';
import { constructsOf, corpusBleu, editDistance, levenshtein, symbolMatches } from './metrics';
import { picturesMatch, renderPicture, type Picture } from './image-match';
import type { BenchItem } from './synthetic';

export interface ItemResult {
  id: string;
  source: string;
  /** Rendering size (synthetic items only). */
  pxPerEm?: number;
  gold: string;
  pred: string;
  exact: boolean;
  editDistance: number;
  imageMatch: boolean;
  /** Gold visible symbols found in the prediction (multiset overlap), and the counts behind it. */
  symbols: { matched: number; pred: number; gold: number };
  /** 2-D constructs in the gold formula (fraction, radical, script...). */
  constructs: string[];
  ms: number;
  /** The system's own confidence in its answer (0..1), when it gives one. */
  confidence?: number;
}

export interface SetSummary {
  set: string;
  system: string;
  count: number;
  exactMatch: number;
  imageMatch: number;
  /** Mean over formulas of Levenshtein / longer length. */
  editDistance: number;
  /** Sum of Levenshtein over sum of longer lengths. */
  editDistancePooled: number;
  bleu4: number;
  /** Pooled symbol accuracy: matched visible symbols / max(predicted, gold) symbols, summed over the set. */
  symbolAccuracy: number;
  /** Per construct in the gold formula: formulas containing it, and exact and image matches among them. */
  constructs: Record<string, { count: number; exact: number; imageMatch: number }>;
  /** Per rendering size (px per em), for sets that record it. */
  sizes: Record<string, { count: number; exact: number; imageMatch: number }>;
  /**
   * How far the system's confidence can be trusted, for systems that give one: per threshold, the
   * formulas answered at or above it (their share of the set) and how many of those are right
   * (image match). A caller that keeps only answers above a threshold gets that precision.
   */
  calibration?: Array<{ threshold: number; kept: number; imageMatch: number }>;
  msPerFormula: number;
}

/** Thresholds the calibration table reports. */
export const CALIBRATION_THRESHOLDS = [0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95] as const;

export type Predict = (item: BenchItem) => Promise<{ latex: string; ms: number; confidence?: number }>;

export class GoldPictures {
  private readonly cache = new Map<string, Promise<Picture | undefined>>();
  get(latex: string): Promise<Picture | undefined> {
    let p = this.cache.get(latex);
    if (!p) {
      p = renderPicture(latex);
      this.cache.set(latex, p);
    }
    return p;
  }
}

export async function evaluate(set: string, system: string, items: BenchItem[], predict: Predict, gold: GoldPictures, onItem?: (r: ItemResult) => void): Promise<{ summary: SetSummary; items: ItemResult[] }> {
  const results: ItemResult[] = [];
  const pairs: Array<[string[], string[]]> = [];
  let levSum = 0;
  let lenSum = 0;
  for (const item of items) {
    const { latex, ms, confidence } = await predict(item);
    const p = normalizeLatex(latex);
    const g = normalizeLatex(item.latex);
    pairs.push([p, g]);
    levSum += levenshtein(p, g);
    lenSum += Math.max(p.length, g.length);
    const goldPicture = await gold.get(item.latex);
    const predPicture = latex.trim() === '' ? undefined : await renderPicture(latex);
    const result: ItemResult = {
      id: item.id,
      source: item.source,
      ...(item.pxPerEm !== undefined ? { pxPerEm: item.pxPerEm } : {}),
      gold: g.join(' '),
      pred: p.join(' '),
      exact: p.join(' ') === g.join(' '),
      editDistance: editDistance(p, g),
      imageMatch: goldPicture !== undefined && predPicture !== undefined && picturesMatch(predPicture, goldPicture),
      symbols: symbolMatches(p, g),
      constructs: constructsOf(g),
      ms,
      ...(confidence !== undefined ? { confidence } : {}),
    };
    results.push(result);
    onItem?.(result);
  }
  const n = Math.max(1, results.length);
  const constructs: SetSummary['constructs'] = {};
  const sizes: SetSummary['sizes'] = {};
  const tally = (table: SetSummary['constructs'], key: string, r: ItemResult): void => {
    const entry = (table[key] ??= { count: 0, exact: 0, imageMatch: 0 });
    entry.count++;
    if (r.exact) entry.exact++;
    if (r.imageMatch) entry.imageMatch++;
  };
  for (const r of results) {
    for (const c of r.constructs) tally(constructs, c, r);
    if (r.pxPerEm !== undefined) tally(sizes, String(r.pxPerEm), r);
  }
  const symbolMatched = results.reduce((s, r) => s + r.symbols.matched, 0);
  const symbolTotal = results.reduce((s, r) => s + Math.max(r.symbols.pred, r.symbols.gold), 0);
  const summary: SetSummary = {
    set,
    system,
    count: results.length,
    exactMatch: results.filter((r) => r.exact).length / n,
    imageMatch: results.filter((r) => r.imageMatch).length / n,
    editDistance: results.reduce((s, r) => s + r.editDistance, 0) / n,
    editDistancePooled: lenSum === 0 ? 0 : levSum / lenSum,
    bleu4: corpusBleu(pairs),
    symbolAccuracy: symbolTotal === 0 ? 0 : symbolMatched / symbolTotal,
    constructs,
    sizes,
    ...(results.length > 0 && results.every((r) => r.confidence !== undefined) ? { calibration: calibrate(results) } : {}),
    msPerFormula: results.reduce((s, r) => s + r.ms, 0) / n,
  };
  return { summary, items: results };
}

function calibrate(results: readonly ItemResult[]): NonNullable<SetSummary['calibration']> {
  return CALIBRATION_THRESHOLDS.map((threshold) => {
    const kept = results.filter((r) => (r.confidence ?? 0) >= threshold);
    return { threshold, kept: kept.length / results.length, imageMatch: kept.length === 0 ? 0 : kept.filter((r) => r.imageMatch).length / kept.length };
  });
}
