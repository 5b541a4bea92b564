/**
 * Comparison 5, scaling: 1, 2 and 4 worker processes whose recognisers (B, C) call providers
 * that take 500 ms per call, like a remote API, and whose other stages are no-ops, so the work
 * is I/O-bound. Each process runs PIPELINE_WORKERS=2; the load grows with the process count.
 * Near-linear throughput is the goal; the baseline is one process.
 */
import { closedLoop, deletePrefix, round, smallPng, stopChild, uniquePrefix } from '../lib/common.mjs';
import { baseEnv, pipelineEndings, startApi, startWorker, submitAndWait } from '../lib/pipeline.mjs';

export async function runScaling({ redisUrl, quick }) {
  const counts = [1, 2, 4];
  const perProcess = 2;
  const sleepMs = 500;
  const jobsPerProcess = quick ? 8 : 16;
  const rows = [];
  let seed = 10_000;
  for (const n of counts) {
    const prefix = uniquePrefix(`scale${n}`);
    const env = baseEnv(redisUrl, prefix, { PIPELINE_WORKERS: String(perProcess) });
    const api = await startApi(env);
    const workers = [];
    try {
      for (let k = 0; k < n; k++) workers.push(await startWorker(env, { noop: ['A', 'D', 'E', 'F', 'G', 'H'], providerSleepMs: sleepMs }));
      const endings = await pipelineEndings(redisUrl, prefix);
      const total = jobsPerProcess * n;
      const images = await Promise.all(Array.from({ length: total }, () => smallPng(64, seed++)));
      let i = 0;
      const loop = await closedLoop({ total, inFlight: perProcess * n * 2, run: () => submitAndWait(api.url, endings, images[i++]) });
      await endings.close();
      rows.push({ worker_processes: n, images: loop.completed, failures: loop.failures, images_per_s: round(loop.per_second, 2), p50_ms: round(loop.p50_ms, 0), p95_ms: round(loop.p95_ms, 0) });
    } finally {
      await Promise.all(workers.map((w) => stopChild(w.child)));
      await stopChild(api.child);
      await deletePrefix(redisUrl, prefix);
    }
  }
  const base = rows[0].images_per_s;
  for (const r of rows) r.speedup = round(r.images_per_s / base, 2);
  const last = rows[rows.length - 1];
  return {
    id: 5,
    title: 'Scaling worker processes (I/O-bound providers, 500 ms per call)',
    settings: { pipeline_workers_per_process: perProcess, provider_ms: sleepMs, jobs_per_process: jobsPerProcess },
    rows,
    ratio: round(last.speedup / last.worker_processes, 2),
    ratio_label: 'parallel efficiency at 4 processes (speed-up / 4)',
    target: 'near-linear: speed-up at 4 processes >= 3.2 (80% efficiency)',
    target_met: last.speedup >= 3.2,
    note: 'Ideal per process: 2 slots per stage / 0.5 s per call = 4 images/s (B and C run in parallel).',
  };
}
