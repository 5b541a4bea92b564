/**
 * Slow and failing provider APIs, across processes: two worker processes call a loopback Mathpix
 * fake (the real `v3/text` wire format) that first answers too slowly (past the provider timeout),
 * then with HTTP 503. The timeouts bound every call, the Redis-kept breaker opens for the whole
 * fleet after CB_FAILURE_THRESHOLD failures (later jobs, on either worker, never reach the API),
 * every job completes through the local fallback with a `fallback_reason`, and nothing is left in
 * `running`. Stages other than B are no-ops so the test measures the provider path.
 */
import { Redis } from 'ioredis';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, mathpixFake } from '../fakes/mathpix-fake';
import type { FakeApi } from '../fakes/fake-server';
import { EndingTracker, smallPng, submit } from './support/jobs';
import { REDIS_URL, deletePrefix, pipelineEnv, startApi, startWorker, stopAll, uniquePrefix, until } from './support/processes';

const FIRST = 16;
const SECOND = 8;
const THRESHOLD = 3;
const WORKERS_PER_PROCESS = 2;

interface View {
  id: string;
  status: string;
  stages: Record<string, { status: string; provider: string | null; duration_ms: number | null }>;
  result?: { text?: { provider?: string; fallback_reason?: string } };
}

async function views(apiUrl: string, ids: readonly string[]): Promise<View[]> {
  return Promise.all(
    ids.map(async (id) => {
      const view = (await (await fetch(`${apiUrl}/v1/jobs/${id}`)).json()) as View;
      if (view.status === 'completed') view.result = (await (await fetch(`${apiUrl}/v1/jobs/${id}/result`)).json()) as View['result'];
      return view;
    }),
  );
}

describe('slow, then failing, provider API', () => {
  const prefix = uniquePrefix('outage');
  let fake: FakeApi;
  const redis = new Redis(REDIS_URL);
  afterAll(async () => {
    await EndingTracker.closeAll();
    await stopAll();
    await fake?.stop();
    await deletePrefix(REDIS_URL, prefix);
    redis.disconnect();
  });

  it('times out, opens the breaker fleet-wide and completes every job through the fallback', async () => {
    fake = await mathpixFake().start();
    fake.defaultFault = { kind: 'slow', ms: 5_000 };
    const env = pipelineEnv(REDIS_URL, prefix, {
      PIPELINE_WORKERS: String(WORKERS_PER_PROCESS),
      MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID,
      MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY,
      MATHPIX_API_URL: fake.url,
      PROVIDER_TIMEOUT_SECONDS: '1',
      PROVIDER_MAX_RETRIES: '0',
      CB_FAILURE_THRESHOLD: String(THRESHOLD),
      CB_TIMEOUT_SECONDS: '600',
    });
    const api = await startApi(env);
    // Stage B real (Mathpix chain with the local fallback); the rest no-ops.
    const spec = { noop: ['C', 'D', 'E', 'F', 'G', 'H'] };
    await startWorker(env, spec);
    await startWorker(env, spec);
    const tracker = await EndingTracker.start(REDIS_URL, prefix);

    // Slow first: after the first calls the fake answers 503 instead (a dead API).
    setTimeout(() => (fake.defaultFault = { kind: 'status', status: 503 }), 1_500).unref();
    const first = await Promise.all(Array.from({ length: FIRST }, (_, i) => submit(api.url, smallPng(110_000 + i))));
    await until('first batch ended', () => tracker.completedCount(first) + tracker.failed.size >= FIRST, 120_000, 200);

    const admin = (await (await fetch(`${api.url}/v1/admin/breakers`)).json()) as { breakers: Array<{ name: string; state: string }> };
    expect(admin.breakers.find((b) => b.name === 'mathpix')?.state).toBe('open');
    const callsWhenOpen = fake.calls.length;
    // Calls admitted before the breaker opened: the failures that opened it plus what was in flight.
    expect(callsWhenOpen).toBeGreaterThanOrEqual(THRESHOLD);
    expect(callsWhenOpen).toBeLessThanOrEqual(THRESHOLD + 2 * WORKERS_PER_PROCESS);

    // With the breaker open, no job on either worker reaches the API.
    const second = await Promise.all(Array.from({ length: SECOND }, (_, i) => submit(api.url, smallPng(120_000 + i))));
    await until('second batch ended', () => tracker.completedCount(second) + tracker.failed.size >= SECOND, 120_000, 200);
    expect(fake.calls.length).toBe(callsWhenOpen);

    const all = await views(api.url, [...first, ...second]);
    expect(tracker.failed.size).toBe(0);
    expect(all.filter((v) => v.status !== 'completed').map((v) => `${v.id} ${v.status}`)).toEqual([]);
    expect(all.filter((v) => Object.values(v.stages).some((s) => s.status === 'running')).map((v) => v.id)).toEqual([]);
    for (const v of all) {
      expect(v.stages.B!.provider).not.toBe('mathpix');
      expect(v.result?.text?.fallback_reason).toMatch(/^mathpix: /);
    }
    const reasons = all.map((v) => v.result!.text!.fallback_reason!);
    expect(reasons.filter((r) => /OPEN/i.test(r)).length).toBeGreaterThanOrEqual(SECOND);
    expect([...tracker.completedEvents].filter(([, n]) => n !== 1)).toEqual([]);
    const totals = await redis.hgetall(`${prefix}:stats:processed`);
    expect(Number(totals.success)).toBe(FIRST + SECOND);

    const bMs = all.map((v) => v.stages.B!.duration_ms ?? 0).sort((a, b) => a - b);
    const kinds = new Map<string, number>();
    for (const r of reasons) {
      const kind = r.replace(/[0-9a-f-]{8,}/g, '…').slice(0, 70);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    process.stdout.write(
      `provider outage: ${FIRST + SECOND} jobs, ${callsWhenOpen} calls reached Mathpix (breaker threshold ${THRESHOLD}), 0 after it opened; stage B max ${bMs.at(-1)} ms, p50 ${bMs[Math.floor(bMs.length / 2)]} ms (timeout 1000 ms); reasons: ${JSON.stringify([...kinds])}\n`,
    );
  });
});
