/**
 * The one submission path after the body is read: checks the image and the webhook URL, then
 * stores the image, creates the job record and enqueues its first stage. `POST /v1/jobs` and
 * every item of `POST /v1/batches` go through it.
 */
import { inspectImage, ImageValidationError } from '@mpp/imaging';
import { planFromOptions } from '@mpp/queue';
import type { JobRecord } from '@mpp/store';
import type { ApiDeps } from '../deps';
import { HttpProblem } from './problem';
import type { Submission } from './submission';
import { assertPublicUrl } from './url-guard';

/** Image checks (422 naming each failed check) and the SSRF guard on `webhook_url`. */
export async function checkSubmission(deps: ApiDeps, submission: Submission, field = ''): Promise<void> {
  const { config } = deps;
  try {
    await inspectImage(submission.bytes, { minDimension: config.image.minDimension, maxDimension: config.image.maxDimension, maxBytes: config.image.maxBytes });
  } catch (err) {
    if (err instanceof ImageValidationError) {
      throw new HttpProblem(422, 'image-validation-failed', 'Image validation failed', err.checks.map((c) => `${field}${c.message}`).join('; '), err.checks.map((c) => ({ field: `${field}${c.check}`, message: c.message })));
    }
    throw err;
  }
  if (submission.webhook_url) await assertPublicUrl(submission.webhook_url, config.env.ALLOW_PRIVATE_URLS, `${field}webhook_url`);
}

/** Stores the image, creates the record under `id` and enqueues stage A (or phase 2). */
export async function createJob(deps: ApiDeps, submission: Submission, id: string): Promise<JobRecord> {
  const { config, store, blobs, queues } = deps;
  const original_ref = await blobs.put(submission.bytes);
  const plan = planFromOptions(submission.options);
  // Watched before the record exists: no status change of it can happen unwatched.
  await deps.webhookWatch.watchJob(id, submission.webhook_url);
  const record = await store.create({
    id,
    options: submission.options,
    metadata: submission.metadata,
    original_ref,
    skipped: plan.skip,
    ...(submission.webhook_url ? { webhook_url: submission.webhook_url } : {}),
  });
  // Independent of each other: one round trip for both, before the job can start.
  await Promise.all([blobs.touch(original_ref, config.resultTtlSeconds), deps.deadlines.set(id, submission.options.timeout_seconds ?? config.jobTimeoutSeconds)]);
  await queues.submit(id, plan);
  return record;
}
