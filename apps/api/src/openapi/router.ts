/**
 * `GET /openapi.json` (the generated document) and `GET /docs` (Swagger UI, served from the
 * swagger-ui-dist package: no CDN, and no inline script so the pages' CSP still holds).
 */
import path from 'node:path';
import express, { type Router } from 'express';
import { openApiDocument } from './document';

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mathpix-pipeline API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', validatorUrl: null });\n`;

export function openApiRouter(): Router {
  const router = express.Router();
  const headers = {
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
  };
  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(openApiDocument());
  });
  router.get('/docs', (_req, res) => {
    res.set(headers).type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.set(headers).type('application/javascript').send(INIT);
  });
  router.use('/docs/assets', express.static(SWAGGER_DIR, { fallthrough: false, maxAge: '7d', index: false }));
  return router;
}
