/**
 * External API calls in the job's one trace: with Mathpix (stage B) and Claude (stage C) replaced
 * by their loopback fakes, each call attempt is a CLIENT span under its stage's span, in the trace
 * rooted at the API request, with the provider, retry attempt, breaker state, outcome and HTTP
 * status, and no key anywhere in the spans.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { initTracing, InMemorySpanExporter, SpanKind, type ReadableSpan, type Tracing } from '@mpp/telemetry';
import { ANTHROPIC_FAKE_KEY, anthropicFake } from '../fakes/anthropic-fake';
import type { FakeApi } from '../fakes/fake-server';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, mathpixFake } from '../fakes/mathpix-fake';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(180_000);

/** A small image unique to this run, so no cache tier answers instead of the fakes. */
async function uniqueImage(): Promise<Buffer> {
  const tag = parseInt(randomUUID().slice(0, 4), 16);
  const svg = `<svg width="400" height="200"><rect width="400" height="200" fill="white"/><text x="20" y="50" font-size="30" font-family="sans-serif">x + ${tag} = 9</text><line x1="40" y1="180" x2="${200 + (tag % 150)}" y2="90" stroke="black" stroke-width="3"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('tracing a job through its external API calls', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let stack: Stack;
  let mathpix: FakeApi;
  let claude: FakeApi;
  let jobId: string;
  let jobStatus: string;

  beforeAll(async () => {
    tracing = initTracing({ serviceName: 'mathpix-pipeline-test', exporter });
    mathpix = await mathpixFake().start();
    claude = await anthropicFake().start();
    // Claude is overloaded once: the retry is a second span of the same call.
    claude.next({ kind: 'status', status: 529 });
    stack = await startStack({
      env: {
        MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID,
        MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY,
        MATHPIX_API_URL: mathpix.url,
        ANTHROPIC_API_KEY: ANTHROPIC_FAKE_KEY,
        ANTHROPIC_BASE_URL: claude.url,
        PROVIDER_TIMEOUT_SECONDS: '20',
        PROVIDER_MAX_RETRIES: '1',
      },
    });
    const options = JSON.stringify({ skip_stages: ['alignment', 'semantic_graph', 'regeneration', 'human_review'] });
    const res = await submitFile(stack.baseUrl, await uniqueImage(), { options });
    expect(res.status).toBe(202);
    jobId = ((await res.json()) as { id: string }).id;
    jobStatus = (await waitForJob(stack.baseUrl, jobId, 150_000)).status as string;
    await tracing.flush();
  });

  afterAll(async () => {
    await stack?.close();
    await Promise.all([mathpix?.stop(), claude?.stop()]);
    await tracing?.shutdown();
  });

  const spans = () => exporter.getFinishedSpans();
  const root = () => spans().find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/jobs')!;
  const stageSpan = (stage: string) => spans().find((s) => s.attributes['mpp.job_id'] === jobId && s.attributes['mpp.stage'] === stage)!;
  const callsOf = (provider: string) => spans().filter((s) => s.kind === SpanKind.CLIENT && s.name === `call ${provider}`);
  const childOf = (span: ReadableSpan, parent: ReadableSpan) => span.parentSpanContext?.spanId === parent.spanContext().spanId;

  it('completes the job with Mathpix and Claude answers', () => {
    expect(jobStatus).toBe('completed');
    expect(mathpix.calls).toHaveLength(1);
    expect(claude.calls).toHaveLength(2);
  });

  it('puts the Mathpix call under stage B in the request trace, with status and breaker state', () => {
    const traceId = root().spanContext().traceId;
    const [call] = callsOf('mathpix');
    expect(call).toBeDefined();
    expect(call!.spanContext().traceId).toBe(traceId);
    expect(childOf(call!, stageSpan('B'))).toBe(true);
    expect(call!.attributes).toMatchObject({ 'peer.service': 'mathpix', 'mpp.retry_attempt': 0, 'mpp.breaker_state': 'closed', 'mpp.outcome': 'success', 'http.response.status_code': 200 });
  });

  it('puts both Claude attempts under stage C: the 529 and the retry that answered', () => {
    const traceId = root().spanContext().traceId;
    const calls = callsOf('anthropic').sort((a, b) => Number(a.attributes['mpp.retry_attempt']) - Number(b.attributes['mpp.retry_attempt']));
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.spanContext().traceId).toBe(traceId);
      expect(childOf(call, stageSpan('C'))).toBe(true);
    }
    expect(calls[0]!.attributes).toMatchObject({ 'mpp.retry_attempt': 0, 'mpp.outcome': 'provider_unavailable', 'http.response.status_code': 529 });
    expect(calls[1]!.attributes).toMatchObject({ 'mpp.retry_attempt': 1, 'mpp.outcome': 'success', 'http.response.status_code': 200 });
  });

  it('keeps every key out of the spans', () => {
    const all = JSON.stringify(spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(all).not.toContain(MATHPIX_FAKE_APP_KEY);
    expect(all).not.toContain(ANTHROPIC_FAKE_KEY);
  });
});
