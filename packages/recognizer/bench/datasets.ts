/** The real benchmark sets: im2latex-style folders with `labels.tsv` (image, LaTeX) and images. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchItem } from './synthetic';

export function readLabels(labelsFile: string): Array<{ image: string; latex: string }> {
  return readFileSync(labelsFile, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length >= 2 && cols[0]!.trim() !== '')
    .map(([image, latex]) => ({ image: image!.trim(), latex: latex!.trim() }));
}

/** Reads a folder with labels.tsv; images are looked for beside it or in `images/`. */
export function im2latexSet(folder: string): BenchItem[] {
  return readLabels(path.join(folder, 'labels.tsv')).map(({ image, latex }) => {
    const direct = path.join(folder, image);
    const file = existsSync(direct) ? direct : path.join(folder, 'images', image);
    return { id: image, latex, image: readFileSync(file), source: 'im2latex' as const };
  });
}
