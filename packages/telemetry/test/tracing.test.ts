/** Spans nest through async work; logs written inside a span carry its trace_id and span_id. */
import { Writable } from 'node:stream';
import { activeTraceFields, createLogger, initTracing, InMemorySpanExporter, withSpan, SpanStatusCode } from '@mpp/telemetry';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = initTracing({ serviceName: 'telemetry-test', exporter });
  afterAll(() => tracing.shutdown());
  beforeEach(() => exporter.reset());

  it('is registered once per process: a second init returns the first provider', () => {
    expect(initTracing({ serviceName: 'other' })).toBe(tracing);
  });

  it('nests spans across awaits and records failures', async () => {
    await withSpan('outer', {}, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withSpan('inner', { attributes: { 'mpp.stage': 'B' } }, async () => undefined);
      await expect(withSpan('failing', {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    });
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === 'outer')!;
    for (const name of ['inner', 'failing']) {
      const s = spans.find((x) => x.name === name)!;
      expect(s.spanContext().traceId).toBe(outer.spanContext().traceId);
      expect(s.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    }
    expect(spans.find((s) => s.name === 'failing')!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans.find((s) => s.name === 'inner')!.attributes['mpp.stage']).toBe('B');
  });

  it('adds trace_id and span_id to log lines written inside a span, and nothing outside', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString())), done()) });
    const logger = createLogger({ level: 'info', name: 't', destination: sink }).child({ job_id: 'j1', stage: 'A' });
    let inside: ReturnType<typeof activeTraceFields> = {};
    await withSpan('logged', {}, async () => {
      inside = activeTraceFields();
      logger.info('inside');
    });
    logger.info('outside');
    expect(inside.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[0]).toMatchObject({ msg: 'inside', job_id: 'j1', stage: 'A', trace_id: inside.trace_id, span_id: inside.span_id });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
