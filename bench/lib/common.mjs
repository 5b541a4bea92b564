/**
 * What every benchmark (and the reliability suite's child processes) shares: Redis discovery,
 * unique prefixes and their cleanup, free ports, child processes that announce when they are
 * ready, RSS readings, and percentile arithmetic.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_DIR = path.join(ROOT, 'bench');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function uniquePrefix(tag) {
  return `bench-${tag}-${randomUUID().slice(0, 8)}`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function redisAnswers(url) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** REDIS_URL when it answers; otherwise a throw-away redis-server on a free port (stopped by `stop`). */
export async function ensureRedis(children) {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return url;
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error(`no Redis answers at ${url} and redis-server is not installed`);
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  const started = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await redisAnswers(started)); i++) await sleep(100);
  return started;
}

/** Deletes every key under `prefix:` (SCAN, never KEYS). */
export async function deletePrefix(url, prefix) {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts `node <script> [args]` and resolves once it prints a line starting with `READY`
 * (the rest of the line is parsed as JSON when present). Its stderr is kept for error messages.
 * BENCH_CHILD_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) is passed to every child.
 */
export function startChild(script, { args = [], env = {}, name = path.basename(script), readyTimeoutMs = 60_000, nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean) } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-8000);
  });
  const ready = new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${readyTimeoutMs} ms: ${stderr}`)), readyTimeoutMs);
    child.stdout.on('data', (d) => {
      buffered += d;
      const line = buffered.split('\n').find((l) => l.startsWith('READY'));
      if (line) {
        clearTimeout(timer);
        const rest = line.slice('READY'.length).trim();
        resolve(rest ? JSON.parse(rest) : {});
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
  ready.catch(() => undefined);
  return { child, ready, stderr: () => stderr, name };
}

/** Stops a child with SIGTERM and waits for it, SIGKILL after `graceMs`. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Resident set size and its peak (Linux /proc, in MB); `undefined` where /proc is missing. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rss_mb: kb('VmRSS') / 1024, peak_rss_mb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the highest seen (VmHWM covers the gaps). */
export function watchMemory(pid, everyMs = 250) {
  let peak = 0;
  const tick = () => {
    const m = memoryOf(pid);
    if (m) peak = Math.max(peak, m.rss_mb, Number.isFinite(m.peak_rss_mb) ? m.peak_rss_mb : 0);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const round = (n, digits = 1) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : null);

/**
 * Closed loop: keeps `inFlight` units of work running until `total` were started, and resolves
 * with each unit's latency and the wall time from the first start to the last end.
 */
export async function closedLoop({ total, inFlight, run }) {
  const latencies = [];
  let started = 0;
  let failures = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (started < total) {
      started++;
      const s = performance.now();
      try {
        await run();
        latencies.push(performance.now() - s);
      } catch (err) {
        failures++;
        if (failures === 1) console.error(`  first failure: ${err?.message ?? err}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, lane));
  const seconds = (performance.now() - t0) / 1000;
  return { completed: latencies.length, failures, seconds, per_second: latencies.length / seconds, p50_ms: percentile(latencies, 50), p95_ms: percentile(latencies, 95), p99_ms: percentile(latencies, 99) };
}

/**
 * A PNG of `size` x `size` with a few dark strokes: small, valid and above the 50 px minimum.
 * `seed` is written into the last row so each image has its own content hash (no cache hits).
 */
export async function smallPng(size = 64, seed = 0) {
  const { default: zlib } = await import('node:zlib');
  const row = size + 1;
  const raw = Buffer.alloc(row * size, 0xff);
  for (let y = 0; y < size; y++) {
    raw[y * row] = 0;
    if (y % 8 === 0) for (let x = 4; x < size - 4; x++) raw[y * row + 1 + x] = 0x20;
  }
  for (let i = 0; i < 6; i++) raw[(size - 1) * row + 1 + i] = (Math.floor(seed / 256 ** i) % 256) & 0xff;
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32 ? zlib.crc32(body) >>> 0 : crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** CPU seconds (user + system) a process used so far, from /proc; NaN where /proc is missing. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Redis's own CPU seconds and command count so far (INFO), to charge each side its Redis work. */
export async function redisCounters(url) {
  const redis = new Redis(url);
  try {
    const info = await redis.info('all');
    const get = (k) => Number(new RegExp(`^${k}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
    const byCommand = {};
    for (const m of info.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/gm)) byCommand[m[1]] = { calls: Number(m[2]), usec: Number(m[3]) };
    return { cpu_s: get('used_cpu_user') + get('used_cpu_sys'), commands: get('total_commands_processed'), byCommand };
  } finally {
    redis.disconnect();
  }
}

/** Measures CPU of the given processes and of Redis across `work()`. */
export async function withCosts(redisUrl, pids, work) {
  const cpu0 = pids.map(cpuSecondsOf);
  const r0 = await redisCounters(redisUrl);
  const result = await work();
  const r1 = await redisCounters(redisUrl);
  const cpu = pids.map((pid, i) => cpuSecondsOf(pid) - cpu0[i]);
  const byCommand = Object.entries(r1.byCommand)
    .map(([name, v]) => ({ name, calls: v.calls - (r0.byCommand[name]?.calls ?? 0), usec: v.usec - (r0.byCommand[name]?.usec ?? 0) }))
    .filter((c) => c.calls > 0)
    .sort((a, b) => b.usec - a.usec);
  return { result, process_cpu_s: cpu, redis_cpu_s: r1.cpu_s - r0.cpu_s, redis_commands: r1.commands - r0.commands, redis_by_command: byCommand };
}
