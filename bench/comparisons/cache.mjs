/**
 * Comparison 4, cache: the same 50 images submitted twice. The recognisers call counting fake
 * providers (200 ms per call, like a remote API); the other stages are no-ops. The second round
 * should be served by the stage cache (issue 4): fewer provider calls, lower latency, stages
 * reported `cached`.
 *
 * It also prices a cache lookup under load: every stage body but B's and C's takes no time here,
 * so a stage's wall time (started_at to finished_at) is the worker's own cost for it. A cached
 * stage (F) against an uncached one (G) in the same round is what a miss (first round) or a hit
 * (second round) adds; docs/cache.md weighs that against each stage's real body time.
 */
import { Redis } from 'ioredis';
import { closedLoop, deletePrefix, percentile, round, smallPng, stopChild, uniquePrefix } from '../lib/common.mjs';
import { baseEnv, pipelineEndings, startApi, startWorker, submitJson } from '../lib/pipeline.mjs';

export async function runCache({ redisUrl, quick }) {
  const count = quick ? 20 : 50;
  const images = await Promise.all(Array.from({ length: count }, (_, i) => smallPng(64, 50_000 + i)));
  const prefix = uniquePrefix('cache');
  const env = baseEnv(redisUrl, prefix, { PIPELINE_WORKERS: '4' });
  const redis = new Redis(redisUrl);
  const api = await startApi(env);
  const rows = [];
  const walls = { first: {}, second: {} };
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
            for (const [stage, state] of Object.entries(view.stages)) {
              const ms = Date.parse(state.finished_at) - Date.parse(state.started_at);
              if (Number.isFinite(ms)) ((walls[round_][stage] ??= { status: state.status, ms: [] }).ms).push(ms);
            }
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
  const p50 = (r, stage) => round(percentile(walls[r][stage]?.ms ?? [], 50), 1);
  const stage_times = Object.keys(walls.first).sort().map((stage) => ({
    stage,
    first_status: walls.first[stage].status,
    first_wall_p50_ms: p50('first', stage),
    second_status: walls.second[stage]?.status,
    second_wall_p50_ms: p50('second', stage),
  }));
  return {
    id: 4,
    title: 'Cache: the same images submitted a second time',
    settings: { images: count, provider_ms: 200 },
    rows,
    stage_times,
    lookup_cost_ms: { miss: round(p50('first', 'F') - p50('first', 'G'), 1), hit: round(p50('second', 'F') - p50('second', 'G'), 1) },
    ratio: round(second.p50_ms / first.p50_ms, 3),
    ratio_label: 'p50 latency, second / first submission',
    target: 'second round: no provider calls, stages reported cached',
    target_met: available && second.provider_calls === 0,
    note: available
      ? 'Time per stage is wall time in the worker (started_at to finished_at, p50); bodies other than B and C are no-ops, so F (cached) minus G (not cached) in a round is what a cache miss (first) or hit (second) costs a stage.'
      : 'cache not available: no stage was reported `cached` on the second submission',
  };
}
