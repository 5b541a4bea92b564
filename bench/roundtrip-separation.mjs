#!/usr/bin/env node
/**
 * `pnpm bench:roundtrip`: how well stage F's formula round trip tells a right reading from one
 * with a single symbol wrong, on real printed formulas (../shared/data/im2latex-dev: arXiv crops
 * with their LaTeX). Each image is scored, through the same path stage F takes
 * (`formulaRoundtrip`: MathJax SVG, rasterised, against the image region), with its own label
 * and with the label mutated at one visible token: a symbol replaced by another of its kind
 * (digit, letter, Greek letter, operator), deleted, or one inserted. The right label is also
 * scored against degraded copies of the image (JPEG, smaller and larger scale, blur, offset in a
 * wider crop), which a right reading must survive.
 *
 *   node bench/roundtrip-separation.mjs [--limit=N] [--data=DIR]
 *
 * Writes bench/results/roundtrip-separation.{json,md} and prints the table (after `pnpm build`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { texToSvg } from '@mpp/stages/dist/regeneration/mathjax.js';
import { formulaRoundtrip, loadPageImage } from '@mpp/stages/dist/regeneration/roundtrip-checks.js';
import { mutations } from './lib/latex-mutations.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const DATA = path.resolve(arg('data', path.join(ROOT, '../shared/data/im2latex-dev')));
const LIMIT = Number(arg('limit', 'Infinity'));
/** Cut-offs reported: a right reading passes at or above one, a wrong reading is caught below it. */
const THRESHOLDS = [0.6, 0.7, 0.8, 0.85, 0.9];

/** Degraded copies of a source image: what a right reading must still match. */
const DEGRADATIONS = {
  original: (img) => img.png().toBuffer(),
  jpeg_q40: (img) => img.jpeg({ quality: 40 }).toBuffer(),
  scale_0_7: async (img) => {
    const { width } = await img.metadata();
    return img.resize({ width: Math.round(width * 0.7) }).png().toBuffer();
  },
  scale_2: async (img) => {
    const { width } = await img.metadata();
    return img.resize({ width: width * 2 }).png().toBuffer();
  },
  blur_0_8: (img) => img.blur(0.8).png().toBuffer(),
  offset_crop: (img) => img.extend({ top: 7, left: 11, bottom: 2, right: 5, background: '#ffffff' }).png().toBuffer(),
};

async function score(latex, image) {
  const { svg } = await texToSvg(latex, true);
  if (!svg) return undefined;
  const page = await loadPageImage(image);
  return formulaRoundtrip(svg, page, { x: 0, y: 0, w: page.width, h: page.height }, latex);
}

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.ceil(at)] - sorted[lo]) * (at - lo);
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, min: s[0], p05: quantile(s, 0.05), median: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[s.length - 1] };
}

/** Probability that a right reading scores above a wrong one, over all pairs (ties count half). */
function auc(right, wrong) {
  let wins = 0;
  for (const r of right) for (const w of wrong) wins += r > w ? 1 : r === w ? 0.5 : 0;
  return wins / (right.length * wrong.length);
}

/** Share of `values` that `ok` accepts at each threshold. */
function rates(values, ok) {
  return Object.fromEntries(THRESHOLDS.map((t) => [t, values.filter((v) => ok(v, t)).length / values.length]));
}

async function main() {
  const rows = readFileSync(path.join(DATA, 'labels.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  const records = [];
  for (const [file, label] of rows.slice(0, LIMIT)) {
    const bytes = readFileSync(path.join(DATA, 'images', file));
    const rightSvg = (await texToSvg(label, true)).svg;
    if (!rightSvg) {
      records.push({ file, skipped: 'label does not render' });
      continue;
    }
    const record = { file, right: {}, wrong: [] };
    for (const [name, degrade] of Object.entries(DEGRADATIONS)) record.right[name] = await score(label, await degrade(sharp(bytes).flatten({ background: '#ffffff' })));
    for (const m of mutations(label, file)) {
      const svg = (await texToSvg(m.latex, true)).svg;
      // A mutation MathJax draws exactly like the label (or cannot draw) is no wrong reading to catch.
      if (!svg || svg === rightSvg) continue;
      record.wrong.push({ kind: m.kind, index: m.index, from: m.from, to: m.to, score: await score(m.latex, bytes) });
    }
    records.push(record);
    process.stdout.write('.');
  }
  console.log();
  const scored = records.filter((r) => !r.skipped);
  const right = scored.map((r) => r.right.original);
  const wrong = scored.flatMap((r) => r.wrong.map((w) => w.score));
  const byKind = {};
  for (const w of scored.flatMap((r) => r.wrong)) (byKind[w.kind] ??= []).push(w.score);
  const pairs = scored.flatMap((r) => r.wrong.map((w) => r.right.original - w.score));
  const report = {
    generated_at: new Date().toISOString(),
    data: path.relative(ROOT, DATA),
    thresholds: THRESHOLDS,
    images: scored.length,
    skipped: records.filter((r) => r.skipped).map((r) => r.file),
    right: Object.fromEntries(Object.keys(DEGRADATIONS).map((d) => [d, { ...summary(scored.map((r) => r.right[d])), pass: rates(scored.map((r) => r.right[d]), (v, t) => v >= t) }])),
    wrong: Object.fromEntries(Object.entries({ all: wrong, ...byKind }).map(([k, v]) => [k, { ...summary(v), caught: rates(v, (s, t) => s < t), auc: auc(right, v) }])),
    paired: { n: pairs.length, right_higher: pairs.filter((d) => d > 0).length / pairs.length, median_gap: summary(pairs).median },
    records,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'roundtrip-separation.json'), JSON.stringify(report, null, 2) + '\n');
  const md = renderMarkdown(report);
  writeFileSync(path.join(dir, 'roundtrip-separation.md'), md);
  console.log(md);
}

const f = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '-');

function renderMarkdown(r) {
  const at = r.thresholds.map((t) => `at ${t}`).join(' | ');
  const line = r.thresholds.map(() => '---').join('|');
  const out = [
    `# Round-trip separation (${r.data}, ${r.images} images)`,
    '',
    `Generated ${r.generated_at} by \`node bench/roundtrip-separation.mjs\`. A right reading passes at or above a threshold; a wrong one is caught below it.`,
    '',
    `| right label against | n | min | p05 | median | pass ${at} |`,
    `|---|---|---|---|---|${line}|`,
    ...Object.entries(r.right).map(([d, s]) => `| ${d} | ${s.n} | ${f(s.min)} | ${f(s.p05)} | ${f(s.median)} | ${r.thresholds.map((t) => f(s.pass[t])).join(' | ')} |`),
    '',
    `| one token wrong | n | median | p95 | max | AUC vs right | caught ${at} |`,
    `|---|---|---|---|---|---|${line}|`,
    ...Object.entries(r.wrong).map(([k, s]) => `| ${k} | ${s.n} | ${f(s.median)} | ${f(s.p95)} | ${f(s.max)} | ${f(s.auc)} | ${r.thresholds.map((t) => f(s.caught[t])).join(' | ')} |`),
    '',
    `Same image, right label above the mutated one: ${f(r.paired.right_higher)} of ${r.paired.n} pairs (median gap ${f(r.paired.median_gap)}).`,
    '',
  ];
  if (r.skipped.length) out.push(`Skipped (label does not render): ${r.skipped.join(', ')}`, '');
  return out.join('\n');
}

await main();
