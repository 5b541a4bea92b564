/**
 * Wires human review and the pages into the API app: the review workflow over the shared store
 * and queues, `/v1/reviews`, `/v1/jobs/:id/image`, the pages and bull-board. `app.ts` calls it once.
 */
import type { Express } from 'express';
import { createReviewService, type ReviewService } from '@mpp/review';
import type { ApiDeps } from './deps';
import { requireApiKey } from './http/access';
import { jobImageRouter } from './routes/job-image';
import { pagesRouter } from './routes/pages';
import { reviewsRouter } from './routes/reviews';

export function mountHumanReview(app: Express, deps: ApiDeps): ReviewService {
  const reviews = createReviewService({ config: deps.config, redis: deps.redis, store: deps.store, deadlines: deps.deadlines, wake: (id) => deps.queues.wakeStage(id, 'H'), logger: deps.logger });
  const keys = deps.config.env.API_KEYS;
  app.use('/v1/reviews', requireApiKey(keys), reviewsRouter(deps, reviews));
  app.use('/v1/jobs', requireImageKey(keys), jobImageRouter(deps));
  app.use(pagesRouter(deps));
  return reviews;
}

/** Only the image route: the other `/v1/jobs` routes are guarded (or not) by the jobs router's own wiring. */
function requireImageKey(keys: readonly string[]) {
  const check = requireApiKey(keys);
  return (req: Parameters<typeof check>[0], res: Parameters<typeof check>[1], next: Parameters<typeof check>[2]) => (/^\/[^/]+\/image$/.test(req.path) ? check(req, res, next) : next());
}
