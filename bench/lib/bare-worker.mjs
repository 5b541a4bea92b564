#!/usr/bin/env node
/**
 * The baseline a user would write instead of this pipeline: plain BullMQ, the same flow shape
 * (A alone; when it completes, H <- G <- F <- E <- D <- {B, C} as one FlowProducer tree), no-op
 * processors, the same concurrency per stage, and nothing else: no job records, no status
 * updates, no metrics, no validation. When H completes it publishes the job id on
 * `<prefix>:bare:done`, which is how the driver learns of it (the pipeline publishes its job
 * events the same way).
 *
 * argv[2]: {"redisUrl", "prefix", "concurrency"}. Prints READY when its workers run.
 */
import { FlowProducer, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { bareQueueName, barePhaseTwo, BARE_STAGES } from './bare-flow.mjs';

const { redisUrl, prefix, concurrency } = JSON.parse(process.argv[2]);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const publisher = new Redis(redisUrl);
const bullPrefix = `${prefix}:bull`;
const flows = new FlowProducer({ connection, prefix: bullPrefix });

const workers = BARE_STAGES.map(
  (stage) =>
    new Worker(
      bareQueueName(stage),
      async (job) => {
        if (stage === 'A') await flows.add(barePhaseTwo(job.data.jobId));
        if (stage === 'H') await publisher.publish(`${prefix}:bare:done`, job.data.jobId);
        return { ok: true };
      },
      { connection, prefix: bullPrefix, concurrency },
    ),
);
await Promise.all(workers.map((w) => w.waitUntilReady()));
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid })}\n`);

process.on('SIGTERM', async () => {
  await Promise.all(workers.map((w) => w.close()));
  await flows.close();
  connection.disconnect();
  publisher.disconnect();
  process.exit(0);
});
