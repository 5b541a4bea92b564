/**
 * OpenTelemetry tracing for every process: one tracer provider per process, registered globally so
 * BullMQ's telemetry integration (`bullmq-otel`, wired in @mpp/queue) and our own spans share it.
 *
 * Spans are always recorded, so logs carry a real `trace_id` even without a collector; they are
 * exported over OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or to the exporter a test
 * passes). Context travels with AsyncLocalStorage inside a process and, across processes, in
 * W3C `traceparent` form inside each BullMQ job's options (see @mpp/queue's README).
 */
import { context, propagation, trace, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { PIPELINE_VERSION } from './metrics';

export { SpanKind, SpanStatusCode } from '@opentelemetry/api';
export type { Span, Tracer, Attributes, Context } from '@opentelemetry/api';
export { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';

/** The instrumentation scope of every span we create ourselves. */
export const TRACER_NAME = 'mathpix-pipeline';

export interface TracingOptions {
  /** `OTEL_SERVICE_NAME`. */
  serviceName: string;
  /** `api` or `worker`: which process of the service this is (resource attribute). */
  component?: string;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://otel-collector:4318`; spans go to `<endpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /** Tests: export synchronously to this exporter (e.g. an `InMemorySpanExporter`). */
  exporter?: SpanExporter;
}

export interface Tracing {
  readonly provider: TracerProvider;
  readonly exporting: boolean;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let current: Tracing | undefined;

/**
 * Registers the process-wide tracer provider. The first call wins: the API and a worker started in
 * one process (tests, `WORKER_STAGES` demos) share one provider, and a test that registers an
 * in-memory exporter first sees every span of both.
 */
export function initTracing(options: TracingOptions): Tracing {
  if (current) return current;
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': PIPELINE_VERSION,
      ...(options.component ? { 'service.component': options.component } : {}),
    }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const handle: Tracing = {
    provider,
    exporting: processors.length > 0,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      if (current === handle) {
        trace.disable();
        context.disable();
        propagation.disable();
        current = undefined;
      }
    },
  };
  current = handle;
  return handle;
}

export function getTracer(): Tracer {
  return trace.getTracer(TRACER_NAME, PIPELINE_VERSION);
}

/**
 * Runs `fn` inside a new active span; records an exception and an error status when it throws.
 * External API calls use `kind: SpanKind.CLIENT` and a `peer.service` attribute. `parent` (from
 * `activeContext()`) starts the span under a context taken earlier, for work that was queued and
 * now runs from someone else's async context.
 */
export function withSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => Promise<T>): Promise<T> {
  const spanOptions = { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} };
  return getTracer().startActiveSpan(name, spanOptions, options.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : new Error(String(err)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Starts a span for an incoming HTTP request and calls `run` with it active (Express-style
 * middleware). A W3C `traceparent` header from the client makes the job part of the caller's trace.
 */
export function startServerSpan(name: string, attributes: Attributes, headers: Record<string, string | string[] | undefined>, run: () => void): Span {
  const parent = propagation.extract(context.active(), headers);
  const span = getTracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  context.with(active, run);
  return span;
}

/** The current context (its active span), to parent spans started later elsewhere (`withSpan`'s `parent`). */
export function activeContext(): Context {
  return context.active();
}

/** Adds attributes to the active span, e.g. a client's HTTP response status; nothing without one. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** `trace_id` and `span_id` of the active span, for log lines; empty when no span is active. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** Makes listeners added later to `emitter` run in the current context (streams read after a span starts). */
export function bindToActiveContext<T extends object>(emitter: T): T {
  return context.bind(context.active(), emitter);
}
