/**
 * Comparison 4, cache: the same 50 images submitted twice. The recognisers call counting fake
 * providers (200 ms per call, like a remote API); the other stages are no-ops. The second round
 * should be served by the stage cache (issue 4): fewer provider calls, lower latency, stages
 * reported `cached`.
 */
import { Redis } from 'ioredis';
import { closedLoop, deletePrefix, round, smallPng, stopChild, uniquePrefix } from '../lib/common.mjs';
import { baseEnv, pipelineEndings, startApi, startWorker, submitJson } from '../lib/pipeline.mjs';

export async function runCache({ redisUrl, quick }) {
  const count = quick ? 20 : 50;
  const images = await Promise.all(Array.from({ length: count }, (_, i) => smallPng(64, 50_000 + i)));
  const prefix = uniquePrefix('cache');
  const env = baseEnv(redisUrl, prefix, { PIPELINE_WORKERS: '4' });
  const redis = new Redis(redisUrl);
  const api = await startApi(env);
  const rows = [];
  try {
    const worker = await startWorker(env, { noop: ['A', 'D', 'E', 'F', 'G', 'H'], providerSleepMs: 200, countCalls: true });
    try {
      const endings = await pipelineEndings(redisUrl, prefix);
      for (const round_ of ['first', 'second']) {
        const before = await redis.hgetall(`${prefix}:bench:calls`);
        const cachedStages = [];
        let i = 0;
        const loop = await closedLoop({
          total: count,
          inFlight: 8,
          run: async () => {
            const id = await submitJson(api.url, images[i++]);
            const status = await endings.wait(id);
            if (status !== 'completed') throw new Error(`job ${id} ended ${status}`);
            const view = await (await fetch(`${api.url}/v1/jobs/${id}`)).json();
            cachedStages.push(Object.values(view.stages).filter((s) => s.status === 'cached').length);
          },
        });
        const after = await redis.hgetall(`${prefix}:bench:calls`);
        const calls = Object.keys(after).reduce((n, k) => n + Number(after[k]) - Number(before[k] ?? 0), 0);
        rows.push({ submission: round_, images: loop.completed, failures: loop.failures, provider_calls: calls, cached_stages_per_job: round(cachedStages.reduce((a, b) => a + b, 0) / Math.max(1, cachedStages.length), 2), p50_ms: round(loop.p50_ms, 0), p95_ms: round(loop.p95_ms, 0), images_per_s: round(loop.per_second, 1) });
      }
      await endings.close();
    } finally {
      await stopChild(worker.child);
    }
  } finally {
    await stopChild(api.child);
    redis.disconnect();
    await deletePrefix(redisUrl, prefix);
  }
  const [first, second] = rows;
  const available = second.cached_stages_per_job > 0;
  return {
    id: 4,
    title: 'Cache: the same images submitted a second time',
    settings: { images: count, provider_ms: 200 },
    rows,
    ratio: round(second.p50_ms / first.p50_ms, 3),
    ratio_label: 'p50 latency, second / first submission',
    target: 'second round: no provider calls, stages reported cached',
    target_met: available && second.provider_calls === 0,
    ...(available ? {} : { note: 'cache not available: no stage was reported `cached` on the second submission' }),
  };
}
