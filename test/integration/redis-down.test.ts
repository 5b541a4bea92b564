/**
 * The API with no Redis to talk to: requests that need the job store are refused, after waiting
 * REDIS_WAIT_MS for the connection, with 503 and Retry-After (nothing is stored, so nothing is
 * lost); the liveness probe stays up, the readiness probe and `mathpix_redis_up` say why, and the
 * process can still shut down.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createApiApp } from '../../apps/api/src/app';
import { silentLogger, testConfig } from '../support/stack';

/** A port nothing listens on (taken, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the API while Redis is unreachable', () => {
  let api: ReturnType<typeof createApiApp>;
  let baseUrl: string;

  beforeAll(async () => {
    const config = testConfig({ REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    api = createApiApp({ config, logger: silentLogger() });
    const server = await api.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  it('refuses a submission after a short wait for the connection, with 503 problem+json and Retry-After', async () => {
    const res = await fetch(`${baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_base64: 'iVBORw0KGgo=' }), signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const problem = (await res.json()) as { type: string; detail: string };
    expect(problem.type).toMatch(/redis-unavailable$/);
    expect(problem.detail).toMatch(/nothing was stored/);
  });

  it('refuses status reads and the Mathpix endpoint the same way, instead of holding them', async () => {
    for (const [method, path] of [['GET', '/v1/jobs/00000000-0000-4000-8000-000000000000'], ['POST', '/v3/text']] as const) {
      const res = await fetch(`${baseUrl}${path}`, { method, signal: AbortSignal.timeout(10_000), ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) });
      expect(res.status).toBe(503);
    }
  });

  it('stays live, and says it is not ready and why', async () => {
    expect((await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
    const ready = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(10_000) });
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toMatch(/unreachable/);
    const metrics = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    expect(metrics).toMatch(/^mathpix_redis_up(\{[^}]*\})? 0$/m);
  });

  it('shuts down without waiting for Redis to come back', async () => {
    await expect(api.close()).resolves.toBeUndefined();
  }, 20_000);
});
