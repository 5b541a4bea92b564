/**
 * Comparison 1, orchestration overhead: bare BullMQ (same flow shape, no-op processors) versus
 * the pipeline end to end (HTTP submit, validation, job record, status updates per stage,
 * metrics, completion event) with every stage body a no-op. Both sides run the same closed loop:
 * `inFlight` images in flight until `total` completed; each side's workers are one child process
 * with the same concurrency per stage. CPU of each process and Redis's own work are charged per
 * image so the difference can be explained, not only measured.
 */
import { Queue } from 'bullmq';
import { closedLoop, deletePrefix, percentile, round, smallPng, startChild, stopChild, uniquePrefix, withCosts, BENCH_DIR } from '../lib/common.mjs';
import { bareIngestion, bareQueueName } from '../lib/bare-flow.mjs';
import { baseEnv, jobEndings, pipelineEndings, startApi, startWorker, submitAndWait } from '../lib/pipeline.mjs';
import path from 'node:path';

export async function runOverhead({ redisUrl, quick }) {
  const total = quick ? 150 : 400;
  const inFlight = 32;
  const concurrency = 4;
  const warmup = 20;
  const images = await Promise.all(Array.from({ length: total + warmup }, (_, i) => smallPng(64, i + 1)));

  // Bare BullMQ.
  const barePrefix = uniquePrefix('bare');
  const bareWorker = startChild(path.join(BENCH_DIR, 'lib/bare-worker.mjs'), { args: [JSON.stringify({ redisUrl, prefix: barePrefix, concurrency })], name: 'bare-worker' });
  let bare;
  try {
    await bareWorker.ready;
    const { Redis } = await import('ioredis');
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queueA = new Queue(bareQueueName('A'), { connection, prefix: `${barePrefix}:bull` });
    const endings = await jobEndings(redisUrl, `${barePrefix}:bare:done`, (_c, id) => ({ id, status: 'completed' }));
    let n = 0;
    const one = async () => {
      const jobId = `job${++n}`;
      const { name, data, opts } = bareIngestion(jobId);
      await queueA.add(name, data, opts);
      await endings.wait(jobId);
    };
    await closedLoop({ total: warmup, inFlight, run: one });
    bare = await withCosts(redisUrl, [bareWorker.child.pid], () => closedLoop({ total, inFlight, run: one }));
    await endings.close();
    await queueA.close();
    connection.disconnect();
  } finally {
    await stopChild(bareWorker.child);
    await deletePrefix(redisUrl, barePrefix);
  }

  // The pipeline, stage bodies replaced by no-ops.
  const prefix = uniquePrefix('pipe');
  let timeline = [];
  const env = baseEnv(redisUrl, prefix, { PIPELINE_WORKERS: String(concurrency) });
  const api = await startApi(env);
  let pipe;
  try {
    const worker = await startWorker(env, { noop: 'all' });
    try {
      const endings = await pipelineEndings(redisUrl, prefix);
      let i = 0;
      const measured = [];
      const one = async () => {
        const submitted = Date.now();
        const id = await submitAndWait(api.url, endings, images[i++ % images.length]);
        measured.push({ id, submitted, ended: Date.now() });
      };
      await closedLoop({ total: warmup, inFlight, run: one });
      measured.length = 0;
      pipe = await withCosts(redisUrl, [api.pid, worker.pid], () => closedLoop({ total, inFlight, run: one }));
      timeline = await jobTimeline(api.url, measured);
      await endings.close();
    } finally {
      await stopChild(worker.child);
    }
  } finally {
    await stopChild(api.child);
    await deletePrefix(redisUrl, prefix);
  }

  const per = (x, r) => round((x / r.result.completed) * 1000, 2);
  const side = (name, r, processes) => ({
    side: name,
    images: r.result.completed,
    failures: r.result.failures,
    images_per_s: round(r.result.per_second, 1),
    p50_ms: round(r.result.p50_ms, 1),
    p95_ms: round(r.result.p95_ms, 1),
    cpu_ms_per_image: Object.fromEntries(processes.map((p, k) => [p, per(r.process_cpu_s[k], r)])),
    redis_cpu_ms_per_image: per(r.redis_cpu_s, r),
    redis_commands_per_image: round(r.redis_commands / r.result.completed, 1),
  });
  const topCommands = (r) => r.redis_by_command.slice(0, 8).map((c) => `${c.name} ${round(c.calls / r.result.completed, 1)}x/${round(c.usec / r.result.completed / 1000, 2)}ms`).join(', ');
  const rows = [side('bare BullMQ flow', bare, ['worker']), side('pipeline (no-op stages)', pipe, ['api', 'worker'])];
  const ratio = pipe.result.per_second / bare.result.per_second;
  return {
    id: 1,
    title: 'Orchestration overhead (no-op stages)',
    settings: { total, in_flight: inFlight, concurrency_per_stage: concurrency, warmup },
    rows,
    ratio: round(ratio, 3),
    target: 'pipeline >= 0.70 x bare throughput',
    target_met: ratio >= 0.7,
    redis_top_commands_per_image: { bare: topCommands(bare), pipeline: topCommands(pipe) },
    stage_times: timeline,
    note:
      'Time per stage: where a pipeline image\'s latency goes, from its job view (p50 over the measured images). ' +
      '"wall" is a stage\'s attempt as its worker recorded it (its Redis round trips; B, C and F also look up the stage cache), ' +
      '"wait before" is from the end of the stage(s) it needs (for A: from the job\'s creation) to its start: the queue hop, ' +
      'and for B and C the rest of the flow being added after A.',
  };
}

/** p50 per stage of its wall time and of the wait before it starts, from the jobs' views. */
async function jobTimeline(apiUrl, measured) {
  const T = (iso) => Date.parse(iso);
  const NEEDS = { A: [], B: ['A'], C: ['A'], D: ['B', 'C'], E: ['D'], F: ['E'], G: ['F'], H: ['G'] };
  const walls = {};
  const waits = {};
  const ends = { submit_to_created: [], last_stage_to_client: [] };
  for (const { id, submitted, ended } of measured) {
    const view = await (await fetch(`${apiUrl}/v1/jobs/${id}`)).json();
    ends.submit_to_created.push(T(view.created_at) - submitted);
    for (const [stage, needs] of Object.entries(NEEDS)) {
      const st = view.stages[stage];
      (walls[stage] ??= []).push(T(st.finished_at) - T(st.started_at));
      const from = needs.length ? Math.max(...needs.map((n) => T(view.stages[n].finished_at))) : T(view.created_at);
      (waits[stage] ??= []).push(T(st.started_at) - from);
    }
    ends.last_stage_to_client.push(ended - T(view.stages.H.finished_at));
  }
  return [
    { stage: 'submit', wait_before_p50: round(percentile(ends.submit_to_created, 50), 0), wall_p50: null },
    ...Object.keys(NEEDS).map((stage) => ({ stage, wait_before_p50: round(percentile(waits[stage], 50), 0), wall_p50: round(percentile(walls[stage], 50), 0) })),
    { stage: 'end event', wait_before_p50: round(percentile(ends.last_stage_to_client, 50), 0), wall_p50: null },
  ];
}
