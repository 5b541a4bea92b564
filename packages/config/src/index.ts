/** @mpp/config: the environment schema (the only reader of `process.env`) and the typed config. */
export * from './env';
export * from './config';
import { parseEnv } from './env';
import { buildConfig, type PipelineConfig } from './config';

export function loadConfig(source: Record<string, string | undefined> = process.env): PipelineConfig {
  return buildConfig(parseEnv(source));
}
