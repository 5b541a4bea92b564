#!/usr/bin/env node
/**
 * `pnpm bench`: runs the comparisons of docs/benchmarks.md one after the other on one Redis,
 * writes `bench/results/latest.{json,md}` and `chart.svg` (full runs only) plus a dated copy (`<date>-<quick|full>-<n>cpu.*`),
 * and prints the table.
 *
 *   node bench/run.mjs [--only=overhead,submission,real-work,cache,scaling | --only=1,2] [--quick]
 *   pnpm bench -- --only=overhead --quick
 *
 * Redis: BENCH_REDIS_URL when set; otherwise a private redis-server on a free port (so other
 * traffic on a shared Redis does not blur the per-image Redis costs), else REDIS_URL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, ensureRedis, freePort, redisAnswers, sleep } from './lib/common.mjs';
import { renderMarkdown } from './lib/report.mjs';
import { renderChart } from './lib/chart.mjs';
import { runOverhead } from './comparisons/overhead.mjs';
import { runSubmission } from './comparisons/submission.mjs';
import { runRealWork } from './comparisons/real-work.mjs';
import { runCache } from './comparisons/cache.mjs';
import { runScaling } from './comparisons/scaling.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const NAMES = { overhead: 1, submission: 2, 'real-work': 3, real: 3, cache: 4, scaling: 5 };
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .map((x) => {
    const id = NAMES[x.trim()] ?? Number(x);
    if (!Number.isInteger(id) || id < 1 || id > 5) throw new Error(`--only: unknown comparison "${x}" (use ${Object.keys(NAMES).join(', ')} or 1-5)`);
    return id;
  });
const COMPARISONS = [
  [1, runOverhead],
  [2, runSubmission],
  [3, runRealWork],
  [5, runScaling],
  [4, runCache],
];

const children = [];
async function privateRedis() {
  if (process.env.BENCH_REDIS_URL) return process.env.BENCH_REDIS_URL;
  if (spawnSync('redis-server', ['--version']).status !== 0) return ensureRedis(children);
  const port = await freePort();
  children.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) await sleep(100);
  return url;
}

async function main() {
  const redisUrl = await privateRedis();
  const results = [];
  for (const [id, run] of COMPARISONS) {
    if (only && !only.includes(id)) continue;
    const started = Date.now();
    process.stdout.write(`comparison ${id}... `);
    try {
      const result = await run({ redisUrl, quick });
      result.seconds = Math.round((Date.now() - started) / 100) / 10;
      results.push(result);
      console.log(`done in ${result.seconds} s`);
    } catch (err) {
      console.log(`failed: ${err?.stack ?? err}`);
      results.push({ id, title: `comparison ${id}`, error: String(err?.message ?? err) });
    }
  }
  const report = {
    generated_at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    quick,
    results: results.sort((a, b) => a.id - b.id),
  };
  const dir = path.join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const markdown = renderMarkdown(report);
  // latest.* is what docs link to: only a full run of every comparison replaces it. Each run also
  // keeps a dated copy (date, mode, machine) so runs can be compared; partial and quick copies are
  // not committed (.gitignore).
  const stamp = `${report.generated_at.slice(0, 10)}-${quick ? 'quick' : 'full'}${only ? `-only-${only.join('-')}` : ''}-${report.machine.cpus}cpu`;
  const chart = renderChart(report);
  const bases = quick || only ? [stamp] : ['latest', stamp];
  for (const base of bases) {
    writeFileSync(path.join(dir, `${base}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(dir, `${base}.md`), markdown);
    writeFileSync(path.join(dir, base === 'latest' ? 'chart.svg' : `${base}.svg`), chart);
  }
  console.log(`\n${markdown}`);
  console.log(`written: bench/results/${bases.length > 1 ? 'latest.{json,md}, chart.svg and ' : ''}${stamp}.{json,md,svg}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
