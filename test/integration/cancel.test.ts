/**
 * DELETE /v1/jobs/:id while the job runs: the API and two worker processes share nothing but Redis;
 * stage B runs on one worker and stage C on the other, each blocked in a provider call. The cancel
 * reaches both through Redis pub/sub, the providers see their AbortSignal fire, the stages end as
 * `failed` with code `cancelled`, nothing downstream ever runs, and the job never turns `completed`.
 */
import type { PipelineConfig } from '@mpp/config';
import { stageJobId } from '@mpp/queue';
import type { StageId } from '@mpp/schemas';
import type { StageProviders } from '@mpp/stages';
import type { JobEvent } from '@mpp/store';
import { createWorkerApp, type WorkerApp } from '../../apps/worker/src/app';
import { solidPng } from '../support/lifecycle-fakes';
import { silentLogger, startStack, submitFile, type Stack } from '../support/stack';

jest.setTimeout(60_000);

/** Providers that block until their call is aborted, reporting the call and the abort reason. */
function blockingProviders() {
  const called = { text: deferred<void>(), vision: deferred<void>() };
  const calls = { text: 0, vision: 0 };
  const aborted = { text: deferred<unknown>(), vision: deferred<unknown>() };
  const block = (kind: 'text' | 'vision', signal: AbortSignal) =>
    new Promise<never>((_resolve, reject) => {
      calls[kind]++;
      called[kind].resolve();
      signal.addEventListener(
        'abort',
        () => {
          aborted[kind].resolve(signal.reason);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  const providers: StageProviders = {
    text: [{ name: 'blocking-text', parse: (_img, opts) => block('text', opts.signal) }],
    vision: [{ name: 'blocking-vision', analyse: (_img, opts) => block('vision', opts.signal) }],
  };
  return { providers, called, aborted, calls };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const onStages = (config: PipelineConfig, stages: StageId[]): PipelineConfig => ({ ...config, worker: { ...config.worker, stages } });

describe('cancelling a running job', () => {
  let stack: Stack;
  const workers: WorkerApp[] = [];
  const blocking = blockingProviders();
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    const common = { logger: silentLogger(), healthServer: false, providers: blocking.providers };
    workers.push(await createWorkerApp({ ...common, config: onStages(stack.config, ['A', 'B']) }));
    workers.push(await createWorkerApp({ ...common, config: onStages(stack.config, ['C', 'D', 'E', 'F', 'G', 'H']) }));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await stack?.close();
  });

  it('aborts its stages on every worker, marks it cancelled and never completes it', async () => {
    const submitted = await submitFile(stack.baseUrl, solidPng(61));
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const events: JobEvent[] = [];
    const stopListening = await stack.api.deps.events.listen(id, (e) => events.push(e));

    // B on the first worker and C on the second are both inside their provider calls.
    await Promise.all([blocking.called.text.promise, blocking.called.vision.promise]);
    const cancel = await fetch(`${stack.baseUrl}/v1/jobs/${id}`, { method: 'DELETE' });
    expect(cancel.status).toBe(202);
    expect(((await cancel.json()) as { status: string }).status).toBe('cancelled');

    const reasons = await Promise.all([blocking.aborted.text.promise, blocking.aborted.vision.promise]);
    for (const reason of reasons) expect((reason as Error).name).toBe('JobCancelledError');

    // Both workers let go of the stages without a retry: each stage job ends failed (or went with
    // its removed parent), and no stage of the job is left in any queue, so none of D..H ever runs.
    const queues = stack.api.deps.queues;
    const settled = async () => {
      if (!workers.every((w) => w.host.activeJobs === 0)) return false;
      const states = await Promise.all((['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const).map(async (s) => (await queues.queue(s).getJob(stageJobId(id, s)))?.getState() ?? 'removed'));
      return states.every((s) => s === 'completed' || s === 'failed' || s === 'removed' || s === 'unknown');
    };
    await until(settled);
    for (const stage of ['B', 'C'] as const) {
      const job = await queues.queue(stage).getJob(stageJobId(id, stage));
      if (job) expect([stage, await job.getState(), job.attemptsMade]).toEqual([stage, 'failed', 1]);
    }
    expect(blocking.calls).toEqual({ text: 1, vision: 1 });
    expect(await queues.waitingTotal()).toBe(0);

    const view = (await (await fetch(`${stack.baseUrl}/v1/jobs/${id}`)).json()) as { status: string; error: { code: string }; stages: Record<string, { status: string; error: { code: string } | null }> };
    expect(view.status).toBe('cancelled');
    expect(view.error.code).toBe('cancelled');
    expect(view.stages.A!.status).toBe('completed');
    for (const s of ['B', 'C']) expect([s, view.stages[s]!.status, view.stages[s]!.error?.code]).toEqual([s, 'failed', 'cancelled']);
    for (const s of ['D', 'E', 'F', 'G', 'H']) expect([s, view.stages[s]!.status]).toEqual([s, 'pending']);
    expect((await fetch(`${stack.baseUrl}/v1/jobs/${id}/result`)).status).toBe(409);
    await stopListening();
    expect(events.map((e) => e.status)).not.toContain('completed');
    expect(events.some((e) => e.status === 'cancelled')).toBe(true);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
