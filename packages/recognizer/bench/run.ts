/**
 * CLI: node packages/recognizer/dist/bench/run.js [--no-tesseract] [--grammar N] [--variants N]
 *      [--im2latex DIR] [--out DIR] [--cache DIR]
 * Defaults: 420 grammar formulas + 2 reshaped variants of each im2latex-dev label (synthetic set),
 * the real set ../shared/data/im2latex-dev beside the repository, results in packages/recognizer/bench/results.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { markdown, writeReport } from './report';
import { runSuite } from './suite';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  // One core: sharp's own thread pool would otherwise overlap decoding with recognition.
  sharp.concurrency(1);
  const root = repoRoot();
  const im2latex = arg('im2latex') ?? path.resolve(root, '..', 'shared', 'data', 'im2latex-dev');
  const labels = path.join(im2latex, 'labels.tsv');
  const realSets = existsSync(labels) ? [{ name: 'im2latex-dev', folder: im2latex }] : [];
  if (realSets.length === 0) console.warn(`no real set at ${im2latex}; synthetic only`);
  const report = await runSuite({
    realSets,
    synthetic: { grammarCount: Number(arg('grammar') ?? 420), variantsPerShape: Number(arg('variants') ?? 2), ...(realSets.length > 0 ? { shapesFrom: labels } : {}) },
    tesseract: !process.argv.includes('--no-tesseract'),
    cacheDir: arg('cache') ?? path.join(root, '.cache', 'recognizer'),
    log: (line) => console.log(line),
  });
  const out = writeReport(arg('out') ?? path.join(root, 'packages', 'recognizer', 'bench', 'results'), report);
  console.log(markdown(report));
  console.log(`written ${out.json} and ${out.md}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
