/**
 * The template cache as a worker uses it (the built package, PIPELINE_CACHE_DIR): a missing set is
 * built by a child process, so the worker does not keep the build's memory, and the next start
 * reads the file. Run against dist/ in a process of its own, since the child is `build-cli.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIST = path.resolve(__dirname, '../dist');

function startRecognizer(cacheDir: string): { rssMb: number; ms: number } {
  const script = `const { MathRecognizer } = require(${JSON.stringify(DIST)});
const t = Date.now();
MathRecognizer.create({ cacheDir: ${JSON.stringify(cacheDir)} }).then(() => {
  process.stdout.write(JSON.stringify({ rssMb: process.memoryUsage().rss / 1e6, ms: Date.now() - t }));
});`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 })) as { rssMb: number; ms: number };
}

describe('template cache directory', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpp-templates-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a missing set in a child process, so the starting process stays small, and writes it once', () => {
    const first = startRecognizer(dir);
    // Built in-process the set took ~370 MB of RSS that stayed; read from a file, ~100 MB.
    expect(first.rssMb).toBeLessThan(250);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^recognizer-templates-[0-9a-f]{16}\.bin$/);
    const second = startRecognizer(dir);
    expect(second.rssMb).toBeLessThan(250);
    expect(readdirSync(dir)).toEqual(files);
  }, 180_000);
});
