/**
 * Creates a pipeline job from image bytes the way `POST /v1/jobs` does (inspect at the door,
 * backpressure, blob once, record, deadline, enqueue) and waits for it to settle, for routes that
 * answer synchronously (the Mathpix-compatible `/v3/text`).
 */
import { randomUUID } from 'node:crypto';
import { inspectImage } from '@mpp/imaging';
import { isTerminal, PipelineOptions, type JobMetadata, type PipelineOptionsInput } from '@mpp/schemas';
import { planFromOptions } from '@mpp/queue';
import type { JobRecord } from '@mpp/store';
import type { ApiDeps } from '../deps';

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export async function submitImageJob(deps: ApiDeps, bytes: Buffer, options: PipelineOptionsInput, metadata: JobMetadata): Promise<string> {
  const { config, store, blobs, queues } = deps;
  await inspectImage(bytes, { minDimension: config.image.minDimension, maxDimension: config.image.maxDimension, maxBytes: config.image.maxBytes });
  const { admitted, waiting } = await queues.admit(1, config.env.MAX_QUEUE_DEPTH);
  if (!admitted) throw new QueueFullError(`${waiting} jobs are waiting`);
  const parsed = PipelineOptions.parse(options);
  const id = randomUUID();
  const original_ref = await blobs.put(bytes);
  const plan = planFromOptions(parsed);
  await deps.webhookWatch.watchJob(id, undefined); // WEBHOOK_DEFAULT_URL may want its events
  await store.create({ id, options: parsed, metadata, original_ref, skipped: plan.skip });
  await blobs.touch(original_ref, config.resultTtlSeconds);
  await deps.deadlines.set(id, parsed.timeout_seconds ?? config.jobTimeoutSeconds);
  await queues.submit(id, plan);
  return id;
}

/** Resolves with the record once the job ended (or waits for review), or with its state at the timeout. */
export async function waitForJobToSettle(deps: ApiDeps, id: string, timeoutMs: number): Promise<JobRecord | null> {
  const settled = (r: JobRecord | null) => !r || isTerminal(r.status) || r.status === 'awaiting_review';
  return new Promise((resolve) => {
    let stop: (() => Promise<void>) | undefined;
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      await stop?.();
      resolve(await deps.store.get(id));
    };
    const timer = setTimeout(() => void finish(), Math.max(0, timeoutMs));
    void deps.events
      .listen(id, (event) => {
        if (isTerminal(event.status) || event.status === 'awaiting_review') void finish();
      })
      .then(async (unsubscribe) => {
        stop = unsubscribe;
        if (done) return unsubscribe();
        // The job may have settled between submission and the subscription.
        if (settled(await deps.store.get(id))) await finish();
      });
  });
}
