#!/usr/bin/env node
/**
 * `pnpm demo`: runs the whole service locally on the sample images and prints what came back.
 *
 * Uses REDIS_URL when it answers; otherwise starts a throw-away `redis-server` on a free port
 * (when the binary exists). Starts the built API and one worker as child processes, submits
 * `../shared/data/textbook/*\/img_problem.png` (or the copies in test/fixtures), waits for each
 * result and prints a readable summary. Extra arguments are image paths to send instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function redisAnswers(url) {
  return new Promise((resolve) => {
    const u = new URL(url);
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')));
  });
}

async function ensureRedis() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return url;
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(`no Redis answers at ${url} and redis-server is not installed; install Redis 7 or set REDIS_URL`);
  }
  const port = await freePort();
  console.log(`starting a temporary redis-server on port ${port}`);
  children.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(started)); i++) await new Promise((r) => setTimeout(r, 100));
  return started;
}

function start(name, script, env) {
  const child = spawn(process.execPath, [path.join(root, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
  children.push(child);
  return child;
}

function sampleImages() {
  const args = process.argv.slice(2);
  if (args.length) return args.map((a) => path.resolve(a));
  for (const dir of [path.resolve(root, '../shared/data/textbook'), path.join(root, 'test/fixtures/textbook')]) {
    if (!existsSync(dir)) continue;
    const found = readdirSync(dir).sort().map((d) => path.join(dir, d, 'img_problem.png')).filter(existsSync);
    if (found.length) return found;
  }
  throw new Error('no sample images found');
}

const short = (s, n = 100) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function summarise(file, view, result, seconds, task) {
  console.log(`\n=== ${path.relative(process.cwd(), file)}  (${view.status} in ${seconds.toFixed(1)} s)`);
  if (view.status === 'awaiting_review') {
    const why = task ? ` (confidence ${task.confidence.toFixed(2)}, threshold ${task.threshold.toFixed(2)})` : '';
    console.log(`  waits for a person${why}: open /review/${view.id} on the API`);
    for (const r of task?.reasons ?? []) console.log(`    - [${r.stage}] ${r.code}: ${short(r.message, 110)}`);
    return;
  }
  if (view.status !== 'completed') {
    console.log(`  error: ${view.error ? `[${view.error.stage}] ${view.error.code}: ${view.error.message}` : 'none'}`);
    return;
  }
  const stages = Object.entries(view.stages).map(([k, s]) => `${k} ${s.status === 'completed' ? `${s.duration_ms}ms` : s.status}`).join('  ');
  console.log(`  stages: ${stages}`);
  const text = result.text?.text ?? '';
  console.log(`  text (${result.text?.provider}, confidence ${result.text?.confidence.toFixed(2)}):`);
  for (const line of text.split('\n').filter(Boolean).slice(0, 6)) console.log(`    | ${short(line)}`);
  const v = result.vision;
  if (v) {
    const count = (t) => v.elements.filter((e) => e.type === t).length;
    const labels = [...new Set(v.elements.filter((e) => e.text).map((e) => e.text))].sort().join(' ');
    console.log(`  diagram: ${v.diagram_type}; regions ${v.regions.map((r) => r.type).join(', ') || 'none'}`);
    console.log(`           points ${count('point')}, segments ${count('segment')}, circles ${count('circle')}, labels: ${labels || '-'}`);
  }
  const g = result.graph;
  if (g) {
    console.log(`  graph: ${g.nodes.length} nodes, ${g.edges.length} edges; facts: ${g.facts.map((f) => f.statement).join('; ') || '-'}`);
    if (g.targets.length) console.log(`         targets: ${g.targets.join(', ')}`);
  }
  if (result.regeneration) console.log(`  round-trip: ${JSON.stringify(result.regeneration.roundtrip)}`);
  console.log(`  confidence ${result.confidence.toFixed(2)}; review ${result.review?.review_required ? 'REQUIRED' : 'not required'}`);
  console.log(`  exports: ${result.exports.map((e) => `${e.format} (${e.bytes} B)`).join(', ')}`);
}

async function main() {
  for (const f of ['apps/api/dist/main.js', 'apps/worker/dist/main.js']) {
    if (!existsSync(path.join(root, f))) throw new Error(`${f} is missing: run "pnpm build" first`);
  }
  const redisUrl = await ensureRedis();
  const apiPort = await freePort();
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: process.env.REDIS_PREFIX ?? 'mpp-demo', PIPELINE_LOG_LEVEL: process.env.PIPELINE_LOG_LEVEL ?? 'WARNING' };
  start('api', 'apps/api/dist/main.js', { ...env, PORT: String(apiPort), SERVER_HOST: '127.0.0.1' });
  start('worker', 'apps/worker/dist/main.js', { ...env, WORKER_METRICS_PORT: String(await freePort()), SERVER_HOST: '127.0.0.1' });
  const base = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 100) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`API at ${base}, Redis at ${redisUrl}`);
  const images = sampleImages();
  const started = new Map();
  const ids = [];
  for (const file of images) {
    const form = new FormData();
    form.append('image', new Blob([readFileSync(file)]), path.basename(file));
    form.append('options', JSON.stringify({ export_formats: ['json', 'latex', 'markdown'] }));
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', body: form });
    const body = await res.json();
    if (res.status !== 202) {
      console.log(`\n=== ${file}: refused ${res.status}: ${body.detail ?? body.title}`);
      continue;
    }
    started.set(body.id, Date.now());
    ids.push([file, body.id]);
  }
  console.log(`submitted ${ids.length} image(s); waiting for results`);
  let failed = 0;
  let waiting = 0;
  for (const [file, id] of ids) {
    let view;
    do {
      view = await (await fetch(`${base}/v1/jobs/${id}?wait=20`)).json();
    } while (!['completed', 'failed', 'cancelled', 'awaiting_review'].includes(view.status));
    const result = view.status === 'completed' ? await (await fetch(`${base}/v1/jobs/${id}/result`)).json() : undefined;
    // What the machine was unsure of: the review task's reasons.
    const task = view.status === 'awaiting_review' ? await fetch(`${base}/v1/reviews/${id}`).then((r) => (r.ok ? r.json() : undefined), () => undefined) : undefined;
    if (view.status === 'awaiting_review') waiting++;
    else if (view.status !== 'completed') failed++;
    summarise(file, view, result, (Date.now() - started.get(id)) / 1000, task);
  }
  const refused = images.length - ids.length;
  const tally = [`${ids.length - failed - waiting} of ${images.length} image(s) completed`];
  if (waiting) tally.push(`${waiting} waiting for review`);
  if (failed) tally.push(`${failed} failed`);
  if (refused) tally.push(`${refused} refused`);
  console.log(`\n${tally.join(', ')}`);
  return failed === 0 && refused === 0 ? 0 : 1;
}

function shutdown() {
  for (const child of children.reverse()) child.kill('SIGTERM');
}

main()
  .then((code) => {
    shutdown();
    setTimeout(() => process.exit(code), 1500).unref();
  })
  .catch((err) => {
    console.error(err.message ?? err);
    shutdown();
    process.exit(1);
  });
process.on('SIGINT', () => {
  shutdown();
  process.exit(130);
});
