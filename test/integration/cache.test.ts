/**
 * Stage results cache: the same image sent twice costs no second provider call and shows stage
 * status `cached`; the same image sent several times at once, to two workers, is worked once.
 */
import { countingProviders, solidPng } from '../support/lifecycle-fakes';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';
import { createWorkerApp } from '../../apps/worker/src/app';
import { silentLogger } from '../support/stack';

jest.setTimeout(120_000);

const submit = async (stack: Stack, bytes: Buffer) => ((await (await submitFile(stack.baseUrl, bytes)).json()) as { id: string }).id;

describe('the same image sent twice', () => {
  let stack: Stack;
  const counting = countingProviders();
  beforeAll(async () => {
    stack = await startStack({ worker: { providers: counting.providers } });
  });
  afterAll(async () => stack?.close());

  it('calls the providers once and reports the second run as cached', async () => {
    const first = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    expect(first.status).toBe('completed');
    expect(first.stages.B.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 1, vision: 1 });

    const second = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    expect(second.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 1, vision: 1 });
    for (const s of ['B', 'C', 'D', 'E', 'F']) expect(second.stages[s].status).toBe('cached');
    for (const s of ['A', 'G', 'H']) expect(second.stages[s].status).toBe('completed');
    const r1 = (await (await fetch(`${stack.baseUrl}/v1/jobs/${first.id}/result`)).json()) as Record<string, any>;
    const r2 = (await (await fetch(`${stack.baseUrl}/v1/jobs/${second.id}/result`)).json()) as Record<string, any>;
    expect(r2.text.text).toBe(r1.text.text);
    expect(r2.graph).toEqual(r1.graph);
  });

  it('keys on the image: a different image calls the providers again', async () => {
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(2)));
    expect(view.stages.B.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 2, vision: 2 });
  });

  it('reports hits and misses per namespace and clears a namespace on request', async () => {
    const stats = (await (await fetch(`${stack.baseUrl}/v1/admin/cache/stats`)).json()) as Record<string, any>;
    expect(stats.namespaces.stage_b).toMatchObject({ hits: 1, misses: 2, entries: 2 });
    expect(stats.namespaces.stage_b.bytes).toBeGreaterThan(0);
    expect(stats.namespaces.stage_h).toMatchObject({ hits: 0, misses: 0, entries: 0 });

    const cleared = await fetch(`${stack.baseUrl}/v1/admin/cache/stage_b`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as { removed: number }).removed).toBe(2);
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    expect(view.stages.B.status).toBe('completed');
    expect(view.stages.C.status).toBe('cached');
    expect(counting.calls).toEqual({ text: 3, vision: 2 });

    expect((await fetch(`${stack.baseUrl}/v1/admin/cache/stage_z`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/v1/admin/cache`, { method: 'DELETE' })).status).toBe(200);
    const after = (await (await fetch(`${stack.baseUrl}/v1/admin/cache/stats`)).json()) as Record<string, any>;
    expect(after.namespaces.stage_c.entries).toBe(0);
    expect(after.total_bytes).toBe(0);
  });
});

describe('the same image sent at the same moment to two workers', () => {
  let stack: Stack;
  const counting = countingProviders(400);
  beforeAll(async () => {
    stack = await startStack({ worker: { providers: counting.providers } });
    stack.workers.push(await createWorkerApp({ config: stack.config, logger: silentLogger(), healthServer: false, providers: counting.providers }));
  });
  afterAll(async () => stack?.close());

  it('is worked once; the others wait for the first result', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => submit(stack, solidPng(7))));
    const views = await Promise.all(ids.map((id) => waitForJob(stack.baseUrl, id)));
    for (const v of views) expect(v.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 1, vision: 1 });
    expect(views.filter((v) => v.stages.B.status === 'cached')).toHaveLength(3);
  });
});
