#!/usr/bin/env node
/**
 * A worker process for benchmarks and the reliability suite: `createWorkerApp` from the built
 * worker, configured by the environment like `pnpm start:worker`, with its stage bodies or
 * providers swapped as the JSON spec in argv[2] says:
 *
 *   { "noop": "all" | ["A", "D", ...],      stages whose bodies are no-ops (default none)
 *     "providerSleepMs": 500,               B/C providers wait this long per call instead of OCR
 *     "countCalls": true,                   HINCRBY <prefix>:bench:calls <provider> per call
 *     "block": { "stage": "D", "ms": 8000,  the first run of that stage in this process busy-waits
 *                "releaseFile": "/tmp/x" } (until the file exists, when given; at most ms)
 *     "countRuns": true,                    HINCRBY <prefix>:bench:runs "<job>:<stage>" per run
 *     "lock": { "durationMs": 2000, "stalledIntervalMs": 1000 },
 *     "memoryProbe": true }                 on SIGUSR2: a full GC (when run with --expose-gc), then
 *                                           `MEMORY {"rss":…,"heapUsed":…,"gc":true}` on stdout
 *
 * Prints `READY {"pid":…, "metricsPort":…}` once its stage workers run; SIGTERM drains and exits.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '@mpp/config';
import { createWorkerApp } from '@mpp/worker';
import { blockingStage, noopHandlers, sleepingProviders } from './stage-bodies.mjs';

const spec = JSON.parse(process.argv[2] ?? '{}');
const config = loadConfig(process.env);
const counter = spec.countRuns || spec.countCalls ? new Redis(config.redis.url) : undefined;
const onCall = spec.countCalls ? (provider) => void counter.hincrby(`${config.redis.prefix}:bench:calls`, provider, 1) : undefined;

function counted(stage, body) {
  if (!spec.countRuns) return body;
  return async (input, ctx) => {
    await counter.hincrby(`${config.redis.prefix}:bench:runs`, `${ctx.job.id}:${stage}`, 1);
    return body(input, ctx);
  };
}

const STAGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
const handlers = {};
for (const stage of spec.noop === 'all' ? STAGES : (spec.noop ?? [])) handlers[stage] = noopHandlers[stage];
if (spec.block) {
  let blocked = false;
  const block = blockingStage(spec.block.stage, spec.block.ms, (jobId) => process.stdout.write(`BLOCKING ${jobId}\n`), spec.block.releaseFile, (jobId) => process.stdout.write(`UNBLOCKED ${jobId}\n`));
  const normal = handlers[spec.block.stage] ?? noopHandlers[spec.block.stage];
  handlers[spec.block.stage] = async (input, ctx) => {
    if (blocked) return normal(input, ctx);
    blocked = true;
    return block(input, ctx);
  };
}
if (spec.countRuns) {
  const { STAGE_HANDLERS } = await import('@mpp/stages');
  for (const stage of STAGES) handlers[stage] = counted(stage, handlers[stage] ?? STAGE_HANDLERS[stage]);
}

const app = await createWorkerApp({
  config,
  handlers,
  ...(spec.providerSleepMs ? { providers: sleepingProviders(spec.providerSleepMs, onCall) } : {}),
  ...(spec.lock ? { lock: spec.lock } : {}),
  healthServer: config.worker.metricsPort !== 0,
});
const address = app.server?.address();
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid, metricsPort: typeof address === 'object' && address ? address.port : null })}\n`);

if (spec.memoryProbe) {
  // What the process keeps, not what the collector has not got round to yet: the leak test reads it.
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.stdout.write(`MEMORY ${JSON.stringify({ rss, heapUsed, gc: typeof globalThis.gc === 'function' })}\n`);
  });
}

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  app
    .close()
    .then(() => counter?.quit())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
