/** @mpp/config: the environment schema (the only reader of `process.env`) and the typed config. */
export * from './env';
export * from './config';
import { ConfigError, parseEnv } from './env';
import { buildConfig, type PipelineConfig } from './config';

export function loadConfig(source: Record<string, string | undefined> = process.env): PipelineConfig {
  return buildConfig(parseEnv(source));
}

/**
 * What an entry point calls: the config, or a message naming each bad variable on stderr and
 * exit code 78 (EX_CONFIG), never a stack trace.
 */
export function loadConfigOrExit(source: Record<string, string | undefined> = process.env): PipelineConfig {
  try {
    return loadConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
export * from './client-env';
