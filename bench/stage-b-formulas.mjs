#!/usr/bin/env node
/**
 * `pnpm bench:stageb`: stage B's local provider on pages of printed math, side by side in one run:
 * tesseract alone, and tesseract with the formula recogniser (formulas found from the ink, displayed
 * or inline, and tesseract's math runs read again); the recogniser alone on the same image is the ceiling. Each
 * im2latex-dev image (an arXiv formula with its LaTeX) is given to the provider as a whole page;
 * the page is right when its formulas, in order, draw the label's picture (image match, as in
 * `pnpm bench:recognizer`) or equal it after normalisation (exact). The textbook pages (prose and
 * inline math in sans-serif print) count how often the recogniser changed the text there.
 *
 *   node bench/stage-b-formulas.mjs [--limit=N] [--data=DIR]
 *
 * Writes bench/results/stage-b-formulas.{json,md} and prints the table (after `pnpm build` and
 * `pnpm --filter @mpp/recognizer run build:bench`; `pnpm bench:stageb` does both).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalTextProvider, defaultFormulaReader } from '@mpp/providers';
import { MathRecognizer } from '@mpp/recognizer';
import { im2latexSet } from '@mpp/recognizer/bench/datasets';
import { evaluate, GoldPictures } from '@mpp/recognizer/bench/evaluate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DATA = path.resolve(arg('data', path.join(ROOT, '../shared/data/im2latex-dev')));
const TEXTBOOK = [path.join(ROOT, '../shared/data/textbook'), path.join(ROOT, 'test/fixtures/textbook')].find(existsSync);
const LIMIT = Number(arg('limit', 'Infinity'));
const CACHE_DIR = path.join(ROOT, '.cache', 'recognizer');

const pages = im2latexSet(DATA).slice(0, LIMIT);
const signal = () => AbortSignal.timeout(120_000);
const gold = new GoldPictures();

/** Scores one side with the recogniser benchmark's own measures (`packages/recognizer/bench/evaluate.ts`). */
async function score(name, read) {
  const { summary, items } = await evaluate('im2latex-dev pages', name, pages, async (item) => {
    const started = performance.now();
    const latex = await read(item.image);
    return { latex, ms: performance.now() - started };
  }, gold);
  console.log(`  ${name.padEnd(34)} image ${(100 * summary.imageMatch).toFixed(1)}%  exact ${(100 * summary.exactMatch).toFixed(1)}%  ED ${summary.editDistance.toFixed(3)}  ${summary.msPerFormula.toFixed(0)} ms/page`);
  return { side: name, pages: summary.count, image_match: summary.imageMatch, exact_match: summary.exactMatch, edit_distance: summary.editDistance, ms_per_page: summary.msPerFormula, items };
}

const pageLatex = (result) => result.formulas.map((f) => f.latex).join(' ');
const tesseractOnly = new LocalTextProvider();
const withRecogniser = new LocalTextProvider(undefined, defaultFormulaReader({ cacheDir: CACHE_DIR }));
const recognizer = await MathRecognizer.create({ cacheDir: CACHE_DIR });

console.log(`stage B on ${pages.length} im2latex-dev pages (${DATA})`);
// Warm both (tesseract workers, templates) outside the timings.
await withRecogniser.parse(pages[0].image, { signal: signal() });
const sides = [
  await score('tesseract alone', async (img) => pageLatex(await tesseractOnly.parse(img, { signal: signal() }))),
  await score('tesseract + recogniser (stage B)', async (img) => pageLatex(await withRecogniser.parse(img, { signal: signal() }))),
  await score('recogniser alone on the image', async (img) => (await recognizer.recognize(img)).latex),
];

let textbook;
if (TEXTBOOK) {
  const pages = readdirSync(TEXTBOOK).filter((d) => existsSync(path.join(TEXTBOOK, d, 'img_problem.png'))).sort();
  let changed = 0;
  const changes = [];
  for (const id of pages) {
    const img = readFileSync(path.join(TEXTBOOK, id, 'img_problem.png'));
    const [a, b] = [await tesseractOnly.parse(img, { signal: signal() }), await withRecogniser.parse(img, { signal: signal() })];
    if (a.text !== b.text) {
      changed++;
      changes.push({ page: id, tesseract: a.text, with_recogniser: b.text });
    }
  }
  textbook = { pages: pages.length, changed, changes, source: path.relative(ROOT, TEXTBOOK) };
  console.log(`  textbook pages whose text the recogniser changed: ${changed} of ${pages.length}`);
}

const report = {
  generated_at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  data: path.relative(ROOT, DATA),
  sides: sides.map(({ items, ...s }) => s),
  textbook,
  items: Object.fromEntries(sides.map((s) => [s.side, s.items])),
};
const pct = (v) => `${(100 * v).toFixed(1)}%`;
const md = [
  '# Stage B local provider on pages of printed math',
  '',
  `${report.generated_at} · ${report.machine.cpus} CPU · Node ${report.machine.node} · \`node bench/stage-b-formulas.mjs\``,
  '',
  `Each of the ${pages.length} im2latex-dev images is a page; it is right when the page's formulas, in order, draw the label's picture (image match) or equal it after normalisation (exact).`,
  '',
  '| side | pages | image match | exact match | token edit distance | ms / page |',
  '|---|---:|---:|---:|---:|---:|',
  ...report.sides.map((s) => `| ${s.side} | ${s.pages} | ${pct(s.image_match)} | ${pct(s.exact_match)} | ${s.edit_distance.toFixed(3)} | ${s.ms_per_page.toFixed(0)} |`),
  '',
  ...(textbook ? [`Textbook pages (${textbook.source}, sans-serif print, prose and inline math) whose text the recogniser changed: **${textbook.changed} of ${textbook.pages}**.`, ''] : []),
  'A page the recogniser reads right alone but stage B does not: the formula split into two blocks (a wide space such as `\\quad` between two equations, which stage B gives as two display formulas), tesseract reading garbage that looks like words (the block counts as prose), or a crop that reads differently from the whole image.',
  '',
].join('\n');
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(path.join(ROOT, 'bench/results/stage-b-formulas.json'), `${JSON.stringify(report, null, 1)}\n`);
writeFileSync(path.join(ROOT, 'bench/results/stage-b-formulas.md'), md);
console.log(md);
process.exit(0);
