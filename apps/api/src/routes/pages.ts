/**
 * The pages people use, served by the API itself: the dashboard (`/dashboard`), the review queue
 * (`/review`) and a task (`/review/:id`), plain HTML/CSS/JS shipped in `apps/api/public` (no build
 * step), MathJax's browser bundle from node_modules, and bull-board at `/admin/queues`.
 * Pages and bull-board need an API key when `API_KEYS` is set (see `http/access.ts`); the static
 * assets hold no data and are public, so the sign-in form can be styled.
 */
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Router } from 'express';
import { createQueueBoardAdapters } from '@mpp/queue';
import { requirePageKey } from '../http/access';
import type { ApiDeps } from '../deps';

/** `public/` sits next to `src/` and `dist/`, so the same path works from sources and build. */
export const PUBLIC_DIR = path.join(__dirname, '..', '..', 'public');
const MATHJAX_DIR = path.dirname(require.resolve('mathjax-full/es5/tex-svg.js'));
const PAGE_HEADERS = {
  // Pages only load their own scripts; MathJax injects styles, and images come from the API.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function pagesRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const keys = deps.config.env.API_KEYS;
  router.use('/assets/vendor/mathjax', express.static(MATHJAX_DIR, { fallthrough: false, maxAge: '7d' }));
  router.use('/assets', express.static(path.join(PUBLIC_DIR, 'assets'), { fallthrough: false, maxAge: '1h' }));

  const page = (file: string) => [
    requirePageKey(keys, deps.authThrottle),
    (_req: express.Request, res: express.Response) => {
      res.set(PAGE_HEADERS);
      res.sendFile(path.join(PUBLIC_DIR, file));
    },
  ];
  router.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  router.get('/dashboard', ...page('dashboard.html'));
  router.get('/review', ...page('review-queue.html'));
  router.get('/review/:id', ...page('review-task.html'));

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({
    queues: createQueueBoardAdapters(deps.queues, { readOnly: deps.config.env.QUEUE_DASHBOARD_READ_ONLY }),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'mathpix-pipeline' } },
  });
  router.use('/admin/queues', requirePageKey(keys, deps.authThrottle), board.getRouter() as Router);
  return router;
}
