/** The worker's small HTTP server: /health, /ready and /metrics on `WORKER_METRICS_PORT`. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@mpp/telemetry';

export interface HealthServerDeps {
  registry: Registry;
  version: string;
  ready: () => Promise<{ ok: boolean; checks: Record<string, string> }>;
  metricsEnabled: boolean;
  /** `POST /drain` (Kubernetes preStop): stop taking jobs, answer when active ones are done. */
  drain?: () => Promise<void>;
}

export function startHealthServer(port: number, host: string, deps: HealthServerDeps): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    void (async () => {
      // Only from inside the pod (the preStop hook): no one else on the network may stop a worker.
      const local = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
      if (req.method === 'POST' && path === '/drain' && deps.drain && local) {
        await deps.drain();
        return send(200, { status: 'drained' });
      }
      if (req.method !== 'GET') return send(405, { title: 'Method Not Allowed', status: 405 });
      if (path === '/health') return send(200, { status: 'healthy', version: deps.version, timestamp: new Date().toISOString() });
      if (path === '/ready') {
        const r = await deps.ready();
        return send(r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not_ready', checks: r.checks });
      }
      if (path === '/metrics' && deps.metricsEnabled) return send(200, await deps.registry.metrics(), deps.registry.contentType);
      return send(404, { title: 'Not Found', status: 404 });
    })().catch((err: unknown) => send(500, { title: 'Internal Server Error', status: 500, detail: String(err) }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export function serverPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
