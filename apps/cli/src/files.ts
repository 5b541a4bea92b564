/**
 * Which files a `submit` sends: the files named, and the images under the folders named
 * (recursively, in a stable order), each with the SHA-256 of its bytes for resuming.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.bmp']);

export interface InputImage {
  /** Absolute path. */
  file: string;
  /** Path relative to the folder argument it was found under (its base name for a file argument). */
  relative: string;
}

export async function collectImages(args: string[]): Promise<InputImage[]> {
  const out: InputImage[] = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const abs = path.resolve(arg);
    const info = await stat(abs).catch(() => null);
    if (!info) throw new Error(`no such file or folder: ${arg}`);
    const found: InputImage[] = info.isDirectory() ? (await walk(abs)).map((file) => ({ file, relative: path.relative(abs, file) })) : [{ file: abs, relative: path.basename(abs) }];
    for (const image of found) {
      if (seen.has(image.file)) continue;
      seen.add(image.file);
      out.push(image);
    }
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
  }
  return files;
}

export async function readImage(file: string): Promise<{ bytes: Buffer; sha256: string }> {
  const bytes = await readFile(file);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
