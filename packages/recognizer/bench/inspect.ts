/**
 * CLI for looking at single benchmark formulas while working on the recogniser:
 *   node packages/recognizer/dist/bench/inspect.js [--out DIR] [--scale N] ID...
 * IDs are synthetic ids (g0012, s0040; the full benchmark's set: 420 grammar formulas, 2 variants
 * per im2latex-dev label) or im2latex-dev image names. For each it writes the input picture as
 * it is (ID-input.png or .jpg, for test fixtures) and enlarged N times (default 3) for viewing
 * to DIR (default /tmp/recognizer-inspect), and prints the ground truth, the reading and each
 * symbol with its box and confidence.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { MathRecognizer, normalizeLatex } from '@mpp/recognizer';
import { im2latexSet, readLabels } from './datasets';
import { syntheticSet, type BenchItem } from './synthetic';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  const im2latex = arg('im2latex') ?? path.resolve(root, '..', 'shared', 'data', 'im2latex-dev');
  const out = arg('out') ?? '/tmp/recognizer-inspect';
  const scale = Number(arg('scale') ?? 3);
  const flags = new Set(['--out', '--scale', '--im2latex']);
  const ids = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !flags.has(all[i - 1] ?? ''));
  mkdirSync(out, { recursive: true });
  const labels = path.join(im2latex, 'labels.tsv');
  const wantsSynthetic = ids.some((id) => /^[gs]\d{4}$/.test(id));
  const items: BenchItem[] = [];
  if (wantsSynthetic) {
    const shapes = existsSync(labels) ? readLabels(labels).map((l) => l.latex) : [];
    items.push(...(await syntheticSet({ grammarCount: 420, shapes, variantsPerShape: 2 })));
  }
  if (existsSync(labels)) items.push(...im2latexSet(im2latex));
  const recognizer = await MathRecognizer.create({ cacheDir: path.join(root, '.cache', 'recognizer') });
  for (const id of ids) {
    const item = items.find((it) => it.id === id);
    if (!item) {
      console.log(`${id}: not found`);
      continue;
    }
    const meta = await sharp(item.image).metadata();
    const stem = id.replace(/\.\w+$/, '');
    writeFileSync(path.join(out, `${stem}-input.${meta.format === 'jpeg' ? 'jpg' : meta.format}`), item.image);
    const file = path.join(out, `${stem}.png`);
    await sharp(item.image)
      .resize((meta.width ?? 1) * scale, (meta.height ?? 1) * scale, { kernel: 'nearest' })
      .png()
      .toFile(file);
    const r = await recognizer.recognize(item.image);
    console.log(`${id}  ${meta.width}x${meta.height}${item.pxPerEm ? `  ${item.pxPerEm} px/em` : ''}  -> ${file}`);
    console.log(`  gold  ${normalizeLatex(item.latex).join(' ')}`);
    console.log(`  read  ${normalizeLatex(r.latex).join(' ')}   (confidence ${r.confidence.toFixed(2)}, ${r.ms} ms)`);
    for (const s of r.symbols) console.log(`    ${s.latex.padEnd(16)} x${s.bbox.x} y${s.bbox.y} ${s.bbox.w}x${s.bbox.h}  ${s.confidence.toFixed(2)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
