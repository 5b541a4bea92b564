/**
 * `/v1/admin/breakers`: the fleet-wide circuit breakers of the external providers (state,
 * failure_count, opened_at, retry_after), and a manual reset, as the seed's troubleshooting
 * section describes. Also `mathpixApiStatus`, the `mathpix_api` check of `/ready`.
 */
import express, { type Request, type Response, type Router } from 'express';
import { BreakerStore, breakerStateValue, serviceReadiness, type ServiceReadiness } from '@mpp/resilience';
import type { ApiDeps } from '../deps';
import { requireApiKey } from '../http/access';
import { HttpProblem } from '../http/problem';

const PROVIDERS = ['mathpix', 'anthropic', 'gemini'] as const;
type ProviderName = (typeof PROVIDERS)[number];

function isConfigured(deps: ApiDeps, name: ProviderName): boolean {
  const p = deps.config.providers;
  return name === 'mathpix' ? Boolean(p.mathpix.appId && p.mathpix.appKey) : Boolean(p[name].apiKey);
}

const stores = new WeakMap<ApiDeps, BreakerStore>();
/** One store per API process, on its Redis connection (reads and resets only). */
export function breakersOf(deps: ApiDeps): BreakerStore {
  let store = stores.get(deps);
  if (!store) {
    store = new BreakerStore(deps.redis, deps.config.redis.prefix, { ...deps.config.breaker, probeLeaseMs: deps.config.providerCalls.timeoutMs + 5_000 });
    stores.set(deps, store);
  }
  return store;
}

/** `/ready`'s `mathpix_api`: not_configured | unauthorized (a worker saw 401) | circuit_open | connected. */
export function mathpixApiStatus(deps: ApiDeps): Promise<ServiceReadiness> {
  return serviceReadiness(breakersOf(deps), 'mathpix', isConfigured(deps, 'mathpix'));
}

export function adminBreakersRouter(deps: ApiDeps): Router {
  const router = express.Router();
  // Resetting a breaker is an operator's act: it needs one of API_KEYS when they are set.
  router.use(requireApiKey(deps.config.env.API_KEYS));
  // The API's /metrics shows the fleet-wide breaker states too (read from Redis at scrape time).
  deps.metrics.readBreakerStatesWith(async () =>
    Promise.all(PROVIDERS.filter((n) => isConfigured(deps, n)).map(async (service) => ({ service, value: breakerStateValue((await breakersOf(deps).read(service)).state) }))),
  );

  router.get('/', async (_req: Request, res: Response) => {
    const store = breakersOf(deps);
    const breakers = await Promise.all(PROVIDERS.map(async (name) => ({ ...(await store.read(name)), configured: isConfigured(deps, name) })));
    res.json({ breakers });
  });

  router.post('/:name/reset', async (req: Request, res: Response) => {
    const name = String(req.params.name);
    if (!(PROVIDERS as readonly string[]).includes(name)) {
      throw new HttpProblem(404, 'breaker-not-found', 'Circuit breaker not found', `"${name.slice(0, 40)}" is not one of ${PROVIDERS.join(', ')}`);
    }
    const store = breakersOf(deps);
    const before = await store.read(name);
    await store.reset(name);
    deps.logger.warn({ provider: name, previous_state: before.state, failure_count: before.failure_count }, 'circuit breaker reset by an operator');
    res.json({ ...(await store.read(name)), configured: isConfigured(deps, name as ProviderName), previous_state: before.state });
  });

  return router;
}
