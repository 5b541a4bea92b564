/** pino loggers for every process; secrets are redacted wherever they appear in a log object. */
import pino, { type Logger } from 'pino';
import { activeTraceFields } from './tracing';

export type { Logger } from 'pino';

/** Paths that may carry credentials; pino replaces their values with `[redacted]`. */
export const REDACT_PATHS = [
  'app_key', 'app_id', 'apiKey', 'api_key', 'authorization', 'Authorization', 'x-api-key',
  '*.app_key', '*.app_id', '*.apiKey', '*.api_key', '*.authorization', '*.Authorization', '*["x-api-key"]',
  'headers.authorization', 'headers["x-api-key"]', 'headers.app_key', 'req.headers.authorization', 'req.headers["x-api-key"]',
  'config.providers.mathpix.appKey', 'config.providers.anthropic.apiKey', 'config.providers.gemini.apiKey',
  'env.MATHPIX_APP_KEY', 'env.ANTHROPIC_API_KEY', 'env.GEMINI_API_KEY', 'env.WEBHOOK_SECRET', 'env.API_KEYS',
  // The whole config carries the parsed environment too (found by the provider log-redaction test).
  'config.env.MATHPIX_APP_KEY', 'config.env.ANTHROPIC_API_KEY', 'config.env.GEMINI_API_KEY', 'config.env.WEBHOOK_SECRET', 'config.env.API_KEYS',
  'MATHPIX_APP_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'WEBHOOK_SECRET', 'API_KEYS',
];

export interface LoggerOptions {
  level: string;
  name: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      base: { service: options.name, ...options.base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Every line written inside a span carries its trace_id / span_id (log-trace correlation).
      mixin: () => activeTraceFields(),
    },
    options.destination,
  );
}

const noop = () => undefined;

/**
 * `parent.child(bindings)`, made the first time something is written through it. A stage
 * attempt's logger (job, stage, attempt bound) is rarely written to, and pino serialises a
 * child's bindings when the child is made (~30 µs per attempt under load); a level the parent
 * does not write answers with a no-op without making the child.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = () => (child ??= parent.child(bindings));
  return new Proxy({} as Logger, {
    get: (_target, prop) => {
      if (!child && typeof prop === 'string' && prop in parent.levels.values && !parent.isLevelEnabled(prop)) return noop;
      const target = real();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_target, prop, value) => Reflect.set(real(), prop, value),
    has: (_target, prop) => Reflect.has(real(), prop),
  });
}
