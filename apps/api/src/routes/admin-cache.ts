/** `/v1/admin/cache`: the seed's `clear`, `invalidate_namespace` and stats (after `cleanup_expired`). */
import express, { type Request, type Response, type Router } from 'express';
import { CACHE_NAMESPACES, isCacheNamespace, type StageCache } from '@mpp/cache';
import { HttpProblem } from '../http/problem';

export function adminCacheRouter(cache: StageCache): Router {
  const router = express.Router();

  router.get('/stats', async (_req: Request, res: Response) => {
    const expired_removed = await cache.cleanupExpired();
    const { total_bytes, max_bytes, ...namespaces } = await cache.stats();
    res.json({ namespaces, total_bytes, max_bytes, expired_removed });
  });

  router.delete('/', async (_req: Request, res: Response) => {
    await cache.clear();
    res.json({ cleared: CACHE_NAMESPACES });
  });

  router.delete('/:namespace', async (req: Request, res: Response) => {
    const ns = String(req.params.namespace);
    if (!isCacheNamespace(ns)) {
      throw new HttpProblem(404, 'cache-namespace-not-found', 'Cache namespace not found', `"${ns.slice(0, 40)}" is not one of ${CACHE_NAMESPACES.join(', ')}`);
    }
    const removed = await cache.invalidateNamespace(ns);
    res.json({ namespace: ns, removed });
  });

  return router;
}
