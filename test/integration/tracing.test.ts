/**
 * One trace per job: the API request's span is the root, and BullMQ's producer/consumer spans plus
 * our stage spans for A..H all carry its trace id (context crosses Redis in the job options).
 * Worker log lines written while a stage runs carry trace_id, job_id and stage.
 */
import { Writable } from 'node:stream';
import { createLogger, initTracing, InMemorySpanExporter, SpanKind, type ReadableSpan, type Tracing } from '@mpp/telemetry';
import { readFixture } from '../support/fixtures';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(180_000);

const STAGES = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'] as const;

describe('tracing a job from the HTTP request through every stage', () => {
  const exporter = new InMemorySpanExporter();
  const logLines: Array<Record<string, unknown>> = [];
  let tracing: Tracing;
  let stack: Stack;
  let jobId: string;
  let jobStatus: string;

  beforeAll(async () => {
    tracing = initTracing({ serviceName: 'mathpix-pipeline-test', exporter });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    stack = await startStack({ worker: { logger: createLogger({ level: 'debug', name: 'mathpix-worker', destination: sink }) } });
    const res = await submitFile(stack.baseUrl, readFixture('im2latex', '73b51f198b.png'), {
      options: JSON.stringify({ enable_human_review: false }),
    });
    expect(res.status).toBe(202);
    jobId = ((await res.json()) as { id: string }).id;
    jobStatus = (await waitForJob(stack.baseUrl, jobId)).status as string;
    // The last stage completes the job from inside its BullMQ process span, which ends just after.
    const deadline = Date.now() + 10_000;
    do {
      await tracing.flush();
      const consumers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CONSUMER);
      if (STAGES.every((st) => consumers.some((s) => s.name.startsWith(`process stage-${st.toLowerCase()}-`)))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
  });

  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
  });

  const spans = () => exporter.getFinishedSpans();
  const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

  it('completes the job', () => {
    expect(jobStatus).toBe('completed');
  });

  it('roots the trace at the API request that created the job', () => {
    const post = spans().filter((s) => s.kind === SpanKind.SERVER && s.name === 'POST /v1/jobs');
    expect(post).toHaveLength(1);
    expect(post[0]!.parentSpanContext).toBeUndefined();
    expect(post[0]!.attributes['http.response.status_code']).toBe(202);
  });

  it('puts every stage of the job, and BullMQ add/process spans, in that one trace', () => {
    const root = spans().find((s) => s.name === 'POST /v1/jobs')!;
    const traceId = traceOf(root);
    const stageSpans = spans().filter((s) => s.attributes['mpp.job_id'] === jobId);
    expect(stageSpans.map((s) => s.attributes['mpp.stage']).sort()).toEqual([...STAGES]);
    for (const s of stageSpans) expect(traceOf(s)).toBe(traceId);

    const inTrace = spans().filter((s) => traceOf(s) === traceId);
    const consumers = inTrace.filter((s) => s.kind === SpanKind.CONSUMER).map((s) => s.name);
    for (const stage of STAGES) expect(consumers.some((n) => n.startsWith(`process stage-${stage.toLowerCase()}-`))).toBe(true);
    expect(inTrace.some((s) => s.kind === SpanKind.PRODUCER && s.name.includes('stage-a-ingestion'))).toBe(true);
  });

  it('nests each stage span under the BullMQ process span of its queue', () => {
    const byId = new Map(spans().map((s) => [s.spanContext().spanId, s]));
    for (const s of spans().filter((x) => x.attributes['mpp.job_id'] === jobId)) {
      const parent = byId.get(s.parentSpanContext?.spanId ?? '');
      expect(parent?.kind).toBe(SpanKind.CONSUMER);
      expect(parent?.name).toContain(`stage-${String(s.attributes['mpp.stage']).toLowerCase()}-`);
    }
  });

  it('writes worker log lines with trace_id, job_id and stage', () => {
    const traceId = traceOf(spans().find((s) => s.name === 'POST /v1/jobs')!);
    const stageLines = logLines.filter((l) => l.job_id === jobId && typeof l.stage === 'string');
    expect(stageLines.length).toBeGreaterThan(0);
    const traced = stageLines.filter((l) => l.trace_id === traceId);
    expect(new Set(traced.map((l) => l.stage)).size).toBeGreaterThan(0);
    expect(logLines.find((l) => l.msg === 'job completed')).toMatchObject({ job_id: jobId, trace_id: traceId });
  });
});
