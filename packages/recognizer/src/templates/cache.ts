/**
 * Template set on disk: built once (a few seconds), then read back by every process that points
 * at the same cache directory. The file name carries a hash of everything the templates depend
 * on (vocabulary, scales, stroke, feature layout, MathJax version), so a change rebuilds instead
 * of reading stale data. A missing or unreadable cache is never an error: templates are rebuilt.
 *
 * With a cache directory, a missing set is built in a child process (`build-cli.js`): rendering
 * thousands of glyphs with MathJax and sharp takes ~300 MB that the allocator never gives back, so
 * a worker that built its templates itself kept that much more RSS for its whole life (a worker at
 * PIPELINE_WORKERS=4 peaked past the 512 MB pod limit). The child's memory goes when it exits.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FEATURE_LENGTH, FEATURE_VERSION, GRID } from '../classify/features';
import { RecognizerError } from '../errors';
import { STROKE_UNITS, TEMPLATE_OFFSETS, TEMPLATE_SCALES, TEMPLATE_THRESHOLD, buildTemplates } from './build';
import type { TemplateMeta, TemplateSet } from './template-set';
import { vocabulary } from './vocabulary';

const FORMAT_VERSION = 2;

export function templateKey(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mathjaxVersion = (require('mathjax-full/package.json') as { version: string }).version;
  const payload = JSON.stringify({ FORMAT_VERSION, FEATURE_VERSION, GRID, STROKE_UNITS, TEMPLATE_SCALES, TEMPLATE_OFFSETS, TEMPLATE_THRESHOLD, mathjaxVersion, vocabulary: vocabulary() });
  return createHash('sha256').update(payload).digest('hex').slice(0, 16);
}

function cacheFile(cacheDir: string): string {
  return path.join(cacheDir, `recognizer-templates-${templateKey()}.bin`);
}

export async function loadOrBuildTemplates(cacheDir: string | undefined): Promise<TemplateSet> {
  const file = cacheDir ? cacheFile(cacheDir) : undefined;
  if (file) {
    const cached = await readTemplates(file);
    if (cached) return cached;
    if (await buildInChild(cacheDir!)) {
      const built = await readTemplates(file);
      if (built) return built;
    }
  }
  const set = await buildTemplates();
  if (file) await writeTemplates(file, set);
  return set;
}

/** Builds the set into `cacheDir` in this process (what the child process runs). */
export async function buildIntoCache(cacheDir: string): Promise<void> {
  await writeTemplates(cacheFile(cacheDir), await buildTemplates());
}

/** Runs `build-cli.js` (compiled next to this file; it inherits this process's environment) and waits for it; false when it cannot run or fails. */
function buildInChild(cacheDir: string): Promise<boolean> {
  const script = path.join(__dirname, 'build-cli.js');
  if (!existsSync(script)) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile(process.execPath, [script, cacheDir], { timeout: 300_000 }, (err) => resolve(!err));
  });
}

async function readTemplates(file: string): Promise<TemplateSet | undefined> {
  try {
    const buf = await readFile(file);
    const headerLength = buf.readUInt32LE(0);
    const metas = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8')) as TemplateMeta[];
    const start = 4 + headerLength;
    const bytes = buf.subarray(start);
    if (bytes.length !== metas.length * FEATURE_LENGTH * 4) return undefined;
    const features = new Float32Array(metas.length * FEATURE_LENGTH);
    new Uint8Array(features.buffer).set(bytes);
    return { metas, features };
  } catch {
    return undefined;
  }
}

async function writeTemplates(file: string, set: TemplateSet): Promise<void> {
  const header = Buffer.from(JSON.stringify(set.metas), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length, 0);
  const body = Buffer.from(set.features.buffer, set.features.byteOffset, set.features.byteLength);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, Buffer.concat([length, header, body]));
    // Atomic publish: concurrent workers never read a half-written file.
    await rename(temp, file);
  } catch (err) {
    throw new RecognizerError('template_cache', `cannot write template cache ${file}: ${err instanceof Error ? err.message : String(err)}`, { file });
  }
}
