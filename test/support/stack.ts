/**
 * Starts the API and a worker in-process against the real Redis under a prefix of the test's
 * own, and removes every key under that prefix afterwards.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deletePrefix as deleteKeysUnder } from './redis-keys';
import { loadConfig, type PipelineConfig } from '@mpp/config';
import { createLogger } from '@mpp/telemetry';
import { createApiApp, type ApiApp } from '../../apps/api/src/app';
import { createWorkerApp, type WorkerApp, type WorkerAppOptions } from '../../apps/worker/src/app';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testConfig(env: Record<string, string> = {}): PipelineConfig {
  return loadConfig({
    REDIS_URL,
    REDIS_PREFIX: `test-${randomUUID().slice(0, 8)}`,
    PIPELINE_LOG_LEVEL: 'SILENT',
    WORKER_METRICS_PORT: '0',
    SERVER_HOST: '127.0.0.1',
    PIPELINE_WORKERS: '2',
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    ...env,
  });
}

export const silentLogger = () => createLogger({ level: 'silent', name: 'test' });

export interface Stack {
  config: PipelineConfig;
  api: ApiApp;
  server: http.Server;
  baseUrl: string;
  workers: WorkerApp[];
  close(): Promise<void>;
}

export async function startStack(options: { env?: Record<string, string>; worker?: Omit<WorkerAppOptions, 'config'> | false } = {}): Promise<Stack> {
  const config = testConfig(options.env);
  const api = createApiApp({ config, logger: silentLogger() });
  const server = await api.listen(0, '127.0.0.1');
  const workers: WorkerApp[] = [];
  if (options.worker !== false) {
    workers.push(await createWorkerApp({ config, logger: silentLogger(), healthServer: false, ...(options.worker ?? {}) }));
  }
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config,
    api,
    server,
    baseUrl,
    workers,
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
      await api.close();
      await deletePrefix(config.redis.prefix);
    },
  };
}

/** Deletes every key under `prefix:` (SCAN, never KEYS). */
export const deletePrefix = (prefix: string): Promise<void> => deleteKeysUnder(prefix, REDIS_URL);

export async function waitForJob(baseUrl: string, id: string, timeoutMs = 90_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${baseUrl}/v1/jobs/${id}?wait=10`);
    const view = (await res.json()) as Record<string, any>;
    if (['completed', 'failed', 'cancelled', 'awaiting_review'].includes(view.status)) return view;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${view.status} after ${timeoutMs} ms: ${JSON.stringify(view.stages)}`);
  }
}

export async function submitFile(baseUrl: string, bytes: Buffer, fields: Record<string, string> = {}, filename = 'image.png'): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)]), filename);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return fetch(`${baseUrl}/v1/jobs`, { method: 'POST', body: form });
}
