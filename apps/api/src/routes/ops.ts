/** `/health`, `/ready`, `/metrics`, with the fields and codes the deployment guide shows. */
import express, { type Router } from 'express';
import { redisReachable } from '@mpp/queue';
import { PIPELINE_VERSION } from '@mpp/telemetry';
import type { ApiDeps } from '../deps';
import { mathpixApiStatus } from './admin-breakers';

export function opsRouter(deps: ApiDeps): Router {
  const router = express.Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'healthy', version: PIPELINE_VERSION, timestamp: new Date().toISOString() });
  });

  router.get('/ready', async (_req, res) => {
    const redisOk = await redisReachable(deps.redis);
    const workers = redisOk ? await deps.queues.queue('A').getWorkersCount().catch(() => 0) : 0;
    const mathpix = deps.config.providers.mathpix;
    const checks = {
      mathpix_api: redisOk ? await mathpixApiStatus(deps) : mathpix.appId && mathpix.appKey ? 'connected' : 'not_configured',
      cache: redisOk ? 'initialized' : 'unavailable',
      redis: redisOk ? 'connected' : 'unreachable',
      // Informational: jobs queue up until a worker comes; the API itself can still take them.
      workers: workers > 0 ? 'running' : 'none',
    };
    res.status(redisOk ? 200 : 503).json({ status: redisOk ? 'ready' : 'not_ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    if (!deps.config.env.PROMETHEUS_ENABLED) {
      res.status(404).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title: 'Metrics disabled', status: 404, detail: 'PROMETHEUS_ENABLED is false' }));
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  return router;
}
