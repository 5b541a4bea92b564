/**
 * Comparison 2, submission: `POST /v1/jobs` with a small PNG (autocannon, JSON base64 body)
 * versus bare BullMQ enqueueing the same BullMQ jobs the pipeline creates per image (stage A
 * with `Queue.add`, then the B..H tree with `FlowProducer.add`, both from the driver). The same
 * number of concurrent callers for the same time on each side; no workers run, so only
 * submission is measured.
 */
import autocannon from 'autocannon';
import { FlowProducer, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { deletePrefix, percentile, round, smallPng, stopChild, uniquePrefix, withCosts } from '../lib/common.mjs';
import { bareIngestion, barePhaseTwo, bareQueueName } from '../lib/bare-flow.mjs';
import { baseEnv, startApi } from '../lib/pipeline.mjs';

async function bareFor(redisUrl, connections, seconds) {
  const prefix = uniquePrefix('bare-submit');
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queueA = new Queue(bareQueueName('A'), { connection, prefix: `${prefix}:bull` });
  const flows = new FlowProducer({ connection, prefix: `${prefix}:bull` });
  const latencies = [];
  let n = 0;
  try {
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          const jobId = `job${++n}`;
          const s = performance.now();
          const { name, data, opts } = bareIngestion(jobId);
          await queueA.add(name, data, opts);
          await flows.add(barePhaseTwo(jobId));
          latencies.push(performance.now() - s);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    return { requests: latencies.length, per_second: latencies.length / elapsed, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99), errors: 0 };
  } finally {
    await queueA.close();
    await flows.close();
    connection.disconnect();
    await deletePrefix(redisUrl, prefix);
  }
}

export async function runSubmission({ redisUrl, quick }) {
  const connections = 10;
  const seconds = quick ? 4 : 8;
  const png = await smallPng(64, 7);
  const body = JSON.stringify({ image_base64: png.toString('base64') });

  const bare = await bareFor(redisUrl, connections, seconds);

  const prefix = uniquePrefix('submit');
  const api = await startApi(baseEnv(redisUrl, prefix));
  let pipe;
  try {
    await fetch(`${api.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }); // warm-up
    pipe = await withCosts(redisUrl, [api.pid], () =>
      autocannon({ url: `${api.url}/v1/jobs`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds }),
    );
  } finally {
    await stopChild(api.child);
    await deletePrefix(redisUrl, prefix);
  }
  const r = pipe.result;
  const accepted = r['2xx'];
  const rows = [
    { side: 'bare Queue.add + FlowProducer.add', requests: bare.requests, per_second: round(bare.per_second, 1), p50_ms: round(bare.p50_ms, 2), p99_ms: round(bare.p99_ms, 2), errors: 0 },
    { side: 'POST /v1/jobs (autocannon)', requests: accepted, per_second: round(accepted / seconds, 1), p50_ms: r.latency.p50, p99_ms: r.latency.p99, errors: r.errors + r.non2xx, api_cpu_ms_per_request: round((pipe.process_cpu_s[0] / Math.max(1, accepted)) * 1000, 2), redis_commands_per_request: round(pipe.redis_commands / Math.max(1, accepted), 1) },
  ];
  return {
    id: 2,
    title: 'Submission (small PNG)',
    settings: { connections, seconds, png_bytes: png.length },
    rows,
    ratio: round(accepted / seconds / bare.per_second, 3),
  };
}
