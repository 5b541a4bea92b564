/** Shared set-up for the external provider tests: config pointed at the fakes, Redis, an image. */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { loadConfig, type PipelineConfig } from '@mpp/config';
import { createLogger, type Logger } from '@mpp/telemetry';
import { deleteMatching } from '../../../../test/support/redis-keys';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function providerConfig(env: Record<string, string>): PipelineConfig {
  return loadConfig({ REDIS_URL, REDIS_PREFIX: `test-prov-${randomUUID().slice(0, 8)}`, PROVIDER_TIMEOUT_SECONDS: '0.5', PROVIDER_MAX_RETRIES: '1', ...env });
}

/** A logger whose JSON lines are kept, so tests can look for key material in them. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', name: 'test', destination }), lines };
}

export async function pngImage(width = 640, height = 200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><line x1="20" y1="20" x2="${width - 20}" y2="${height - 20}" stroke="black" stroke-width="4"/></svg>`) }])
    .png()
    .toBuffer();
}

export const deletePrefix = (redis: Redis, prefix: string): Promise<void> => deleteMatching(redis, `${prefix}:*`);

export const signal = () => new AbortController().signal;
