/**
 * Regression floor for the recogniser: the benchmark itself (runSuite, the code behind
 * `pnpm bench:recognizer`) on a fixed small sample, 40 grammar formulas of the synthetic set
 * (fixed seed) and the first 30 formulas of im2latex-dev when that folder is present. It fails
 * when accuracy falls below what was reached; the floors sit a few points under the measured
 * values so that harmless changes in tie-breaking do not fail it. Time is reported by the
 * benchmark, never asserted here (the machine is shared).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runSuite } from '../bench/suite';
import type { SetSummary } from '../bench/evaluate';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const im2latex = path.resolve(repoRoot, '..', 'shared', 'data', 'im2latex-dev');
const hasRealSet = existsSync(path.join(im2latex, 'labels.tsv'));

/**
 * Measured on this sample when the floors were set: synthetic image match 34/40, exact 33/40,
 * edit distance 0.017, symbols 98.1%; im2latex-dev image match 18/30, exact 20/30, edit
 * distance 0.043, symbols 97.3%. Floors are two formulas (or ~0.015) below.
 */
const FLOORS = {
  synthetic: { imageMatch: 32 / 40, exactMatch: 31 / 40, maxEditDistance: 0.035, symbolAccuracy: 0.965 },
  'im2latex-dev': { imageMatch: 16 / 30, exactMatch: 18 / 30, maxEditDistance: 0.06, symbolAccuracy: 0.955 },
} as const;

let summaries: SetSummary[];
beforeAll(async () => {
  const report = await runSuite({
    realSets: hasRealSet ? [{ name: 'im2latex-dev', folder: im2latex, limit: 30 }] : [],
    synthetic: { grammarCount: 40, variantsPerShape: 0 },
    tesseract: false,
    cacheDir: path.join(repoRoot, '.cache', 'recognizer'),
  });
  summaries = report.summaries;
}, 300_000);

function summaryOf(set: string): SetSummary {
  const s = summaries.find((x) => x.set === set && x.system === 'recognizer');
  if (!s) throw new Error(`no summary for ${set}`);
  return s;
}

describe('recogniser benchmark on a fixed sample', () => {
  it('keeps synthetic accuracy at or above its floor', () => {
    const s = summaryOf('synthetic');
    expect(s.count).toBe(40);
    expect(s.imageMatch).toBeGreaterThanOrEqual(FLOORS.synthetic.imageMatch);
    expect(s.exactMatch).toBeGreaterThanOrEqual(FLOORS.synthetic.exactMatch);
    expect(s.symbolAccuracy).toBeGreaterThanOrEqual(FLOORS.synthetic.symbolAccuracy);
    expect(s.editDistance).toBeLessThanOrEqual(FLOORS.synthetic.maxEditDistance);
  });

  (hasRealSet ? it : it.skip)('keeps im2latex-dev accuracy at or above its floor', () => {
    const s = summaryOf('im2latex-dev');
    expect(s.count).toBe(30);
    expect(s.imageMatch).toBeGreaterThanOrEqual(FLOORS['im2latex-dev'].imageMatch);
    expect(s.exactMatch).toBeGreaterThanOrEqual(FLOORS['im2latex-dev'].exactMatch);
    expect(s.symbolAccuracy).toBeGreaterThanOrEqual(FLOORS['im2latex-dev'].symbolAccuracy);
    expect(s.editDistance).toBeLessThanOrEqual(FLOORS['im2latex-dev'].maxEditDistance);
  });
});
