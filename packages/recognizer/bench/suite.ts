/**
 * The benchmark as a function, shared by the CLI (`run.ts`) and the regression test: builds the
 * sets, runs the recogniser (and optionally the tesseract baseline) on each, returns the report.
 */
import { cpus } from 'node:os';
import { MathRecognizer } from '@mpp/recognizer';
import { evaluate, GoldPictures, type ItemResult, type SetSummary } from './evaluate';
import { im2latexSet, readLabels } from './datasets';
import type { BenchReport } from './report';
import { syntheticSet, type BenchItem } from './synthetic';
import { TesseractBaseline } from './tesseract-baseline';

export interface SuiteOptions {
  /** Folders in im2latex layout (labels.tsv + images), scored as real sets; `limit` keeps the
   * first formulas only (the regression test's fixed sample). */
  realSets: Array<{ name: string; folder: string; limit?: number }>;
  synthetic?: { grammarCount: number; shapesFrom?: string; variantsPerShape: number; seed?: number };
  tesseract: boolean;
  cacheDir?: string;
  log?: (line: string) => void;
}

export async function runSuite(opts: SuiteOptions): Promise<BenchReport> {
  const log = opts.log ?? (() => undefined);
  const recognizer = await MathRecognizer.create(opts.cacheDir ? { cacheDir: opts.cacheDir } : {});
  const sets: Array<{ name: string; items: BenchItem[] }> = [];
  if (opts.synthetic) {
    const shapes = opts.synthetic.shapesFrom ? readLabels(opts.synthetic.shapesFrom).map((l) => l.latex) : [];
    const items = await syntheticSet({ grammarCount: opts.synthetic.grammarCount, shapes, variantsPerShape: opts.synthetic.variantsPerShape, ...(opts.synthetic.seed !== undefined ? { seed: opts.synthetic.seed } : {}) });
    sets.push({ name: 'synthetic', items });
  }
  for (const real of opts.realSets) sets.push({ name: real.name, items: im2latexSet(real.folder).slice(0, real.limit) });
  const gold = new GoldPictures();
  const summaries: SetSummary[] = [];
  const itemsBySet: Record<string, ItemResult[]> = {};
  const tesseract = opts.tesseract ? new TesseractBaseline() : undefined;
  try {
    for (const set of sets) {
      log(`${set.name}: ${set.items.length} formulas`);
      const ours = await evaluate(set.name, 'recognizer', set.items, async (item) => {
        const r = await recognizer.recognize(item.image);
        return { latex: r.latex, ms: r.ms, confidence: r.confidence };
      }, gold);
      summaries.push(ours.summary);
      itemsBySet[`${set.name}/recognizer`] = ours.items;
      log(summaryLine(ours.summary));
      if (tesseract) {
        const base = await evaluate(set.name, 'tesseract.js', set.items, (item) => tesseract.recognize(item.image), gold);
        summaries.push(base.summary);
        itemsBySet[`${set.name}/tesseract.js`] = base.items;
        log(summaryLine(base.summary));
      }
    }
  } finally {
    await tesseract?.terminate();
  }
  return {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    summaries,
    items: itemsBySet,
    notes: [
      'Exact match and token edit distance compare im2latex-normalised token sequences (spacing and \\left/\\big sizing dropped, \\rm = \\mathrm, \\operatorname{sin} = \\sin, scripts braced, subscript before superscript).',
      'Token edit distance = Levenshtein / length of the longer sequence; "pooled" sums both over the set.',
      'Symbol accuracy = visible symbols shared by prediction and ground truth (multiset overlap, structure tokens such as braces, ^, _, \\frac and style commands left out) / the larger of the two symbol counts, pooled over the set.',
      'Image match renders prediction and ground truth with MathJax at 24 px/em, binarises, removes blank columns and compares columns (<= 1 pixel per column, <= 2 columns in all may differ).',
      'ms / formula for the recogniser covers decoding to LaTeX in-process after templates are loaded; for tesseract.js the worker call.',
      'The synthetic set is generated from a fixed seed: grammar formulas plus the im2latex-dev label shapes with symbols swapped, rendered with MathJax at 13-28 px/em with random ink weight, blur, noise and JPEG.',
    ],
  };
}

function summaryLine(s: SetSummary): string {
  return `  ${s.system.padEnd(12)} exact ${(100 * s.exactMatch).toFixed(1)}%  image ${(100 * s.imageMatch).toFixed(1)}%  symbols ${(100 * s.symbolAccuracy).toFixed(1)}%  ED ${s.editDistance.toFixed(3)} (pooled ${s.editDistancePooled.toFixed(3)})  BLEU ${s.bleu4.toFixed(3)}  ${s.msPerFormula.toFixed(0)} ms`;
}
