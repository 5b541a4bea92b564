/**
 * BullMQ's OpenTelemetry integration (`bullmq-otel`), given to every Queue, FlowProducer and
 * Worker we create. The tracer provider itself is set up by @mpp/telemetry (`initTracing`); this
 * adapter only speaks BullMQ's telemetry interface over the global OpenTelemetry API, so with no
 * provider registered it records nothing.
 *
 * How a job's trace crosses processes: when a job is added, BullMQ stores the active context
 * (W3C `traceparent`) in the job's options (`opts.telemetry.metadata`); the worker that takes it
 * opens its `process <queue>` span as a child of that context and keeps it active while the stage
 * runs. The API request's span is active when stage A is added, and A's span is active when B..H
 * are added as a flow, so every stage of a job lands in the trace of the request that created it.
 */
import { BullMQOtel } from 'bullmq-otel';
import { PIPELINE_VERSION } from '@mpp/telemetry';

let shared: BullMQOtel | undefined;

export function queueTelemetry(): BullMQOtel {
  shared ??= new BullMQOtel({ tracerName: 'bullmq', version: PIPELINE_VERSION });
  return shared;
}
