/**
 * Real processes for the reliability suite: the built API (`apps/api/dist/main.js`), worker
 * processes through `bench/lib/worker-entry.mjs` (the built worker app with swappable stage
 * bodies), and redis-servers of a test's own. Everything a test starts is stopped by `stopAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { deletePrefix as deleteKeysUnder } from '../../support/redis-keys';

export const ROOT = path.resolve(__dirname, '../../..');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKER_ENTRY = path.join(ROOT, 'bench/lib/worker-entry.mjs');
const API_MAIN = path.join(ROOT, 'apps/api/dist/main.js');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function uniquePrefix(tag: string): string {
  return `rel-${tag}-${randomUUID().slice(0, 8)}`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** The last 20 000 characters the process wrote (its logs included). */
  stdout(): string;
  stderr(): string;
  /** Every line the process wrote that starts with an upper-case word (READY, BLOCKING...), kept whatever the logs say after it. */
  signals(): string[];
  alive(): boolean;
}

const started: ChildProcess[] = [];

function launch(command: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  let err = '';
  // The worker entry announces its state on stdout lines (`READY`, `BLOCKING <job>`); a burst of
  // error logs right after one (a worker that lost its locks logs a stack per job) would push it
  // out of the bounded buffer, so those lines are kept apart.
  const signals: string[] = [];
  let partial = '';
  child.stdout?.on('data', (d) => {
    out = (out + d).slice(-20_000);
    const lines = (partial + d).split('\n');
    partial = lines.pop()!.slice(-1_000);
    for (const line of lines) if (/^[A-Z]+\b/.test(line)) signals.push(line);
  });
  child.stderr?.on('data', (d) => (err = (err + d).slice(-20_000)));
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, signals: () => signals, alive: () => child.exitCode === null && child.signalCode === null };
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function pipelineEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  // One test client sends thousands of requests: the per-client limit stays on (its cost is part
  // of what runs) but high enough never to refuse them.
  return { RATE_LIMIT_REQUESTS: '100000000', REDIS_URL: redisUrl, REDIS_PREFIX: prefix, PIPELINE_LOG_LEVEL: 'ERROR', SERVER_HOST: '127.0.0.1', WORKER_METRICS_PORT: '0', WORKER_SHUTDOWN_GRACE_SECONDS: '5', MAX_QUEUE_DEPTH: '100000', ...extra };
}

export interface WorkerSpec {
  noop?: 'all' | string[];
  block?: { stage: string; ms: number; releaseFile?: string };
  countRuns?: boolean;
  lock?: { durationMs: number; stalledIntervalMs: number };
  /** Answer `memoryAfterGc` (the process runs with --expose-gc). */
  memoryProbe?: boolean;
}

export async function startWorker(env: Record<string, string>, spec: WorkerSpec): Promise<Proc> {
  const proc = launch(process.execPath, [...(spec.memoryProbe ? ['--expose-gc'] : []), WORKER_ENTRY, JSON.stringify(spec)], env);
  await until(`worker ${proc.pid} ready (${proc.stderr()})`, () => {
    if (!proc.alive()) throw new Error(`worker exited: ${proc.stderr()}`);
    return proc.signals().some((line) => line.startsWith('READY'));
  }, 60_000);
  return proc;
}

export async function startApi(env: Record<string, string>): Promise<Proc & { url: string }> {
  const port = await freePort();
  const proc = launch(process.execPath, [API_MAIN], { ...env, PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await until('api /health', async () => {
    if (!proc.alive()) throw new Error(`api exited: ${proc.stderr()}`);
    return fetch(`${url}/health`).then((r) => r.status === 200, () => false);
  }, 30_000);
  return { ...proc, url };
}

export async function stop(proc: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc.alive()) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    started.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** A redis-server of the test's own with `appendonly yes` in a temporary directory; restartable. */
export class OwnRedis {
  private proc?: Proc;
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'mpp-redis-'));
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = launch('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {});
    await until('own redis-server answering', () => pingOnce(this.url), 20_000);
  }

  /** SIGTERM: Redis flushes its append-only file and exits, as in a rolling restart. */
  async stop(): Promise<void> {
    if (this.proc) await stop(this.proc);
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function pingOnce(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]) / 1024;
}

/** RSS and heap of a worker started with `memoryProbe`, right after a full GC it runs on SIGUSR2 (bytes). */
export async function memoryAfterGc(proc: Proc): Promise<{ rss: number; heapUsed: number }> {
  const seen = proc.signals().length;
  proc.child.kill('SIGUSR2');
  let line: string | undefined;
  await until(`worker ${proc.pid} memory report`, () => (line = proc.signals().slice(seen).find((l) => l.startsWith('MEMORY '))) !== undefined, 30_000, 10);
  const report = JSON.parse(line!.slice('MEMORY '.length)) as { rss: number; heapUsed: number; gc: boolean };
  if (!report.gc) throw new Error('the worker has no gc(): start it with memoryProbe');
  return report;
}

/** Deletes every key under `prefix:` (SCAN, never KEYS). */
export const deletePrefix = (url: string, prefix: string): Promise<void> => deleteKeysUnder(prefix, url);
