/**
 * Comparison 3, real work: the local providers (tesseract.js OCR, layout and geometry analysis,
 * MathJax) on the textbook images of `../shared/data/textbook` (or the copies in
 * test/fixtures), one worker process at PIPELINE_WORKERS=4. Images per minute, time per stage
 * (p50 / p95, from each job's own stage timings) and the peak RSS of the API and the worker.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, closedLoop, deletePrefix, percentile, round, stopChild, uniquePrefix, watchMemory } from '../lib/common.mjs';
import { baseEnv, pipelineEndings, startApi, startWorker, submitJson } from '../lib/pipeline.mjs';

const STAGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

function textbookImages() {
  for (const dir of [path.resolve(ROOT, '../shared/data/textbook'), path.join(ROOT, 'test/fixtures/textbook')]) {
    if (!existsSync(dir)) continue;
    const found = readdirSync(dir).sort().map((d) => path.join(dir, d, 'img_problem.png')).filter(existsSync);
    if (found.length) return found;
  }
  throw new Error('no textbook images found');
}

export async function runRealWork({ redisUrl, quick }) {
  const files = textbookImages().slice(0, quick ? 4 : 11);
  const images = files.map((f) => readFileSync(f));
  const workers = 4;
  const prefix = uniquePrefix('real');
  const env = baseEnv(redisUrl, prefix, { PIPELINE_WORKERS: String(workers) });
  const api = await startApi(env);
  const apiMemory = watchMemory(api.pid);
  const views = [];
  let loop;
  let workerPeak;
  let memory;
  try {
    const worker = await startWorker(env, {});
    const workerMemory = watchMemory(worker.pid);
    try {
      const endings = await pipelineEndings(redisUrl, prefix);
      let i = 0;
      loop = await closedLoop({
        total: images.length,
        inFlight: workers,
        run: async () => {
          const id = await submitJson(api.url, images[i++]);
          const status = await endings.wait(id);
          const view = await (await fetch(`${api.url}/v1/jobs/${id}`)).json();
          views.push(view);
          if (status !== 'completed' && status !== 'awaiting_review') throw new Error(`job ${id} ended ${status}: ${JSON.stringify(view.error)}`);
        },
      });
      await endings.close();
    } finally {
      workerPeak = workerMemory.stop();
      await stopChild(worker.child);
    }
  } finally {
    const apiPeak = apiMemory.stop();
    await stopChild(api.child);
    await deletePrefix(redisUrl, prefix);
    memory = { api: round(apiPeak, 0), worker: round(workerPeak, 0) };
  }
  const stage_times = STAGES.map((s) => {
    const ms = views.map((v) => v.stages?.[s]?.duration_ms).filter((x) => typeof x === 'number');
    return { stage: s, name: views[0]?.stages?.[s]?.name ?? s, p50: round(percentile(ms, 50), 0), p95: round(percentile(ms, 95), 0) };
  });
  return {
    id: 3,
    title: 'Real work, local providers (one worker process, PIPELINE_WORKERS=4)',
    settings: { images: images.length, worker_concurrency: workers, source: path.relative(ROOT, path.dirname(path.dirname(files[0]))) },
    rows: [{ images: loop.completed, failures: loop.failures, images_per_min_per_worker_process: round(loop.per_second * 60, 1), p50_s: round(loop.p50_ms / 1000, 1), p95_s: round(loop.p95_ms / 1000, 1) }],
    stage_times,
    memory,
    target: 'worker peak RSS < 512 MB at PIPELINE_WORKERS=4',
    target_met: memory.worker < 512,
  };
}
