/** @mpp/telemetry: the only place that creates loggers and metrics registries. */
export * from './logger';
export * from './metrics';
export * from './tracing';
export * from './http-tracing';
