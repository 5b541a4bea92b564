/**
 * The walls of DESIGN.md, checked on the source: what may import what, and who may read the
 * environment. A violation names the file and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.ts$/.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)|import\(['"]([^'"]+)['"]\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const packagesSrc = readdirSync(path.join(ROOT, 'packages')).flatMap((p) => {
  const src = path.join(ROOT, 'packages', p, 'src');
  try {
    return sourceFiles(src).map((file) => ({ pkg: p, file }));
  } catch {
    return [];
  }
});
const appsSrc = readdirSync(path.join(ROOT, 'apps')).flatMap((a) => sourceFiles(path.join(ROOT, 'apps', a, 'src')).map((file) => ({ pkg: a, file })));
const rel = (f: string) => path.relative(ROOT, f);

function violations(files: Array<{ pkg: string; file: string }>, forbidden: (spec: string, pkg: string) => boolean): string[] {
  return files.flatMap(({ pkg, file }) => imports(file).filter((s) => forbidden(s, pkg)).map((s) => `${rel(file)} imports ${s}`));
}

describe('architecture walls', () => {
  it('packages never import apps', () => {
    expect(violations(packagesSrc, (s) => s.includes('/apps/') || s.startsWith('@mpp/api') || s.startsWith('@mpp/worker') || s.startsWith('@mpp/cli'))).toEqual([]);
  });

  it('only @mpp/queue imports bullmq', () => {
    expect(violations([...packagesSrc, ...appsSrc], (s, pkg) => /^bullmq(\/|$)/.test(s) && pkg !== 'queue')).toEqual([]);
  });

  it('stage code never imports bullmq, express, ioredis or an SDK', () => {
    const stages = packagesSrc.filter((f) => f.pkg === 'stages');
    expect(violations(stages, (s) => /^(bullmq|express|ioredis|@anthropic-ai\/sdk|@google\/genai|tesseract\.js)(\/|$)/.test(s))).toEqual([]);
  });

  it('only @mpp/providers calls external APIs or runs OCR engines', () => {
    expect(violations([...packagesSrc, ...appsSrc], (s, pkg) => /^(@anthropic-ai\/sdk|@google\/genai|tesseract\.js)(\/|$)/.test(s) && pkg !== 'providers' && pkg !== 'recognizer')).toEqual([]);
  });

  it('only @mpp/telemetry creates loggers and metric registries', () => {
    expect(violations([...packagesSrc, ...appsSrc], (s, pkg) => /^(pino|prom-client)(\/|$)/.test(s) && pkg !== 'telemetry')).toEqual([]);
  });

  it('only @mpp/config reads process.env', () => {
    const readers = [...packagesSrc, ...appsSrc]
      .filter(({ pkg, file }) => pkg !== 'config' && /process\.env\b/.test(readFileSync(file, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')))
      .map(({ file }) => rel(file));
    expect(readers).toEqual([]);
  });
});
