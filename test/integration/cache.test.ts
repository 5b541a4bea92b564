/**
 * Stage results cache: the same image sent twice costs no second provider call and shows stage
 * status `cached`; the same image sent several times at once, to two workers, is worked once.
 * Cached answers follow what made them: the job's own alignment weights, the providers' versions,
 * the upstream answers a stage read; a provider fallback is cached only provisionally.
 */
import { Redis } from 'ioredis';
import type { StageProviders, TextProvider } from '@mpp/stages';
import { countingProviders, solidPng } from '../support/lifecycle-fakes';
import { REDIS_URL, startStack, submitFile, testConfig, waitForJob, type Stack } from '../support/stack';
import { ANTHROPIC_FAKE_KEY, anthropicFake } from '../fakes/anthropic-fake';
import type { FakeApi } from '../fakes/fake-server';
import { createWorkerApp } from '../../apps/worker/src/app';
import { silentLogger } from '../support/stack';

jest.setTimeout(120_000);

const submit = async (stack: Stack, bytes: Buffer, options?: Record<string, unknown>) =>
  ((await (await submitFile(stack.baseUrl, bytes, options ? { options: JSON.stringify(options) } : {})).json()) as { id: string }).id;
const resultOf = async (stack: Stack, id: string) => (await (await fetch(`${stack.baseUrl}/v1/jobs/${id}/result`)).json()) as Record<string, any>;
const statuses = (view: Record<string, any>) => Object.fromEntries(Object.entries(view.stages as Record<string, { status: string }>).map(([s, v]) => [s, v.status]));

/** Counting providers whose text answer the test can change, as a provider would after a fix. */
function revisableProviders(): { providers: StageProviders; calls: { text: number; vision: number }; answer: { text: string } } {
  const counting = countingProviders();
  const answer = { text: 'Find $x$ if $x + 1 = 2$.' };
  const inner = counting.providers.text[0]!;
  const text: TextProvider = { name: inner.name, parse: async (image, opts) => ({ ...(await inner.parse(image, opts)), text: answer.text }) };
  return { providers: { text: [text], vision: counting.providers.vision }, calls: counting.calls, answer };
}

describe('the same image sent twice', () => {
  let stack: Stack;
  const counting = revisableProviders();
  beforeAll(async () => {
    stack = await startStack({ worker: { providers: counting.providers } });
  });
  afterAll(async () => stack?.close());

  it('calls the providers once and reports the second run of the cached stages as cached', async () => {
    const first = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    expect(first.status).toBe('completed');
    expect(first.stages.B.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 1, vision: 1 });

    const second = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    expect(second.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 1, vision: 1 });
    // D and E cost less than a cache lookup, so they always run (docs/cache.md).
    expect(statuses(second)).toEqual({ A: 'completed', B: 'cached', C: 'cached', D: 'completed', E: 'completed', F: 'cached', G: 'completed', H: 'completed' });
    const [r1, r2] = [await resultOf(stack, first.id), await resultOf(stack, second.id)];
    expect(r2.text.text).toBe(r1.text.text);
    // E ran again (it is not cached), so only its own timing may differ.
    expect({ ...r2.graph, duration_ms: 0 }).toEqual({ ...r1.graph, duration_ms: 0 });
    expect(r2.regeneration.latex_document).toBe(r1.regeneration.latex_document);
  });

  it('keys on the image: a different image calls the providers again', async () => {
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(2)));
    expect(view.stages.B.status).toBe('completed');
    expect(counting.calls).toEqual({ text: 2, vision: 2 });
  });

  it('reports hits and misses per namespace; after stage_b is cleared, what B feeds is worked again from its new answer', async () => {
    const stats = (await (await fetch(`${stack.baseUrl}/v1/admin/cache/stats`)).json()) as Record<string, any>;
    expect(stats.namespaces.stage_b).toMatchObject({ hits: 1, misses: 2, entries: 2 });
    expect(stats.namespaces.stage_b.bytes).toBeGreaterThan(0);
    expect(stats.namespaces.stage_f).toMatchObject({ hits: 1, misses: 2, entries: 2 });
    for (const ns of ['stage_a', 'stage_d', 'stage_e', 'stage_g', 'stage_h']) expect(stats.namespaces[ns]).toMatchObject({ hits: 0, misses: 0, entries: 0 });

    const cleared = await fetch(`${stack.baseUrl}/v1/admin/cache/stage_b`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as { removed: number }).removed).toBe(2);
    counting.answer.text = 'Find $y$ if $y - 1 = 2$.';
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(1)));
    // B asks its provider again; C's answer still holds; F was made from the old B, so it is worked again.
    expect(statuses(view)).toMatchObject({ B: 'completed', C: 'cached', D: 'completed', E: 'completed', F: 'completed' });
    expect(counting.calls).toEqual({ text: 3, vision: 2 });
    const result = await resultOf(stack, view.id);
    expect(result.text.text).toBe('Find $y$ if $y - 1 = 2$.');
    expect(result.regeneration.latex_document).toContain('y - 1 = 2');
    expect(result.regeneration.latex_document).not.toContain('x + 1 = 2');

    expect((await fetch(`${stack.baseUrl}/v1/admin/cache/stage_z`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/v1/admin/cache`, { method: 'DELETE' })).status).toBe(200);
    const after = (await (await fetch(`${stack.baseUrl}/v1/admin/cache/stats`)).json()) as Record<string, any>;
    expect(after.namespaces.stage_c.entries).toBe(0);
    expect(after.total_bytes).toBe(0);
  });
});

describe("a job's own options", () => {
  let stack: Stack;
  const counting = revisableProviders();
  beforeAll(async () => {
    stack = await startStack({ worker: { providers: counting.providers } });
  });
  afterAll(async () => stack?.close());

  it("a job's own alignment weights are used when another job's answers are cached", async () => {
    const plain = await waitForJob(stack.baseUrl, await submit(stack, solidPng(3)));
    const weighted = await waitForJob(stack.baseUrl, await submit(stack, solidPng(3), { alignment: { position_weight: 0.9, semantic_weight: 0.1 } }));
    expect(weighted.stages.B.status).toBe('cached');
    expect((await resultOf(stack, plain.id)).alignment.config).toMatchObject({ position_weight: 0.4, semantic_weight: 0.6 });
    expect((await resultOf(stack, weighted.id)).alignment.config).toMatchObject({ position_weight: 0.9, semantic_weight: 0.1 });
  });
});

describe('a new ANTHROPIC_MODEL', () => {
  let stack: Stack;
  let claude: FakeApi;
  // Stage C alone, served by Claude's fake: the worker builds its real provider chains from the environment.
  const ONLY_C = { skip_stages: ['text_parse', 'alignment', 'semantic_graph', 'regeneration', 'human_review'] };
  const env = (model: string) => ({ ANTHROPIC_API_KEY: ANTHROPIC_FAKE_KEY, ANTHROPIC_BASE_URL: claude.url, ANTHROPIC_MODEL: model });
  beforeAll(async () => {
    claude = await anthropicFake().start();
    stack = await startStack({ env: env('claude-sonnet-4-5') });
  });
  afterAll(async () => {
    await stack?.close();
    await claude?.stop();
  });

  it('is asked again for an image the old model already answered', async () => {
    await waitForJob(stack.baseUrl, await submit(stack, solidPng(6), ONLY_C));
    expect((await waitForJob(stack.baseUrl, await submit(stack, solidPng(6), ONLY_C))).stages.C.status).toBe('cached');
    expect(claude.calls.map((c) => c.body.model)).toEqual(['claude-sonnet-4-5']);

    await stack.workers.shift()!.close();
    const upgraded = testConfig({ ...env('claude-opus-4-1'), REDIS_PREFIX: stack.config.redis.prefix });
    stack.workers.push(await createWorkerApp({ config: upgraded, logger: silentLogger(), healthServer: false }));
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(6), ONLY_C));
    expect(view.stages.C).toMatchObject({ status: 'completed', provider: 'anthropic' });
    expect(claude.calls.map((c) => c.body.model)).toEqual(['claude-sonnet-4-5', 'claude-opus-4-1']);
  });
});

describe('a provider fallback', () => {
  let stack: Stack;
  const counting = countingProviders();
  const primary = { down: true, calls: 0 };
  const redis = new Redis(REDIS_URL);
  beforeAll(async () => {
    const mathpixLike: TextProvider = {
      name: 'primary',
      async parse() {
        primary.calls++;
        if (primary.down) throw new Error('primary: service unavailable');
        return { text: 'primary answer', lines: [], formulas: [], confidence: 0.99 };
      },
    };
    stack = await startStack({ worker: { providers: { text: [mathpixLike, ...counting.providers.text], vision: counting.providers.vision } } });
  });
  afterAll(async () => {
    await stack?.close();
    redis.disconnect();
  });

  // A fallback is a reason for review; this test is about the cache, not the review queue.
  const NO_REVIEW = { enable_human_review: false };

  /** Milliseconds left on the one entry of a namespace. */
  async function entryTtl(ns: string): Promise<number> {
    const keys = await redis.keys(`${stack.config.redis.prefix}:cache:${ns}:*`);
    expect(keys).toHaveLength(1);
    return redis.pttl(keys[0]!);
  }

  it('is cached only provisionally, so the outage does not outlive the breaker in the cache', async () => {
    const view = await waitForJob(stack.baseUrl, await submit(stack, solidPng(5), NO_REVIEW));
    const result = await resultOf(stack, view.id);
    expect(result.text.fallback_reason).toContain('primary: service unavailable');
    expect(await entryTtl('stage_b')).toBeLessThanOrEqual(60_000); // provisional: the breaker's open time
    expect(await entryTtl('stage_c')).toBeGreaterThan(60_000); // PIPELINE_CACHE_TTL (3600 s)

    // A duplicate during the outage shares the fallback answer instead of working it again.
    const duplicate = await waitForJob(stack.baseUrl, await submit(stack, solidPng(5), NO_REVIEW));
    expect(duplicate.stages.B.status).toBe('cached');
    expect(primary.calls).toBe(1);
    expect(counting.calls.text).toBe(1);
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
