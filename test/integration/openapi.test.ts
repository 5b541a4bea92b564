/**
 * The OpenAPI document against the app that serves it: every Express route is described (or
 * listed in UNDOCUMENTED_ROUTES with a reason), every described operation is served, the
 * document and the Swagger UI page are served locally, and real answers of a running stack
 * (a completed job, a job awaiting review and its decision, admin, ops, problems, /v3/text)
 * validate against the document's response schemas.
 */
import { readFixture } from '../support/fixtures';
import { OpenApiResponseValidator } from '../support/openapi-validator';
import { startStack, type Stack } from '../support/stack';
import { openApiDocument, UNDOCUMENTED_ROUTES } from '../../apps/api/src/openapi/document';
import { toOpenApiPath } from '../../apps/api/src/openapi/build';
import { listRoutes } from '../../apps/api/src/openapi/routes';

jest.setTimeout(180_000);

const IMAGE = readFixture('im2latex', '6331d9e7fd.png');

describe('OpenAPI document', () => {
  let stack: Stack;
  let validator: OpenApiResponseValidator;
  let call: typeof fetch;
  const doc = openApiDocument();

  beforeAll(async () => {
    stack = await startStack({ env: { PROMETHEUS_ENABLED: 'true' } });
    validator = new OpenApiResponseValidator(doc);
    call = validator.capturingFetch(stack.baseUrl);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('describes every route the app serves, and serves every route it describes', () => {
    const served = listRoutes(stack.api.app);
    expect(served.length).toBeGreaterThan(20);
    const excluded = (method: string, path: string) => UNDOCUMENTED_ROUTES.some((u) => (u.method === '*' || u.method === method) && u.path.test(path));
    const undescribed = served.filter((r) => !excluded(r.method, r.path) && !doc.paths[toOpenApiPath(r.path)]?.[r.method.toLowerCase() as 'get']).map((r) => `${r.method} ${r.path}`);
    // A new route needs an operation in apps/api/src/openapi/document.ts (or an exclusion with a reason).
    expect(undescribed).toEqual([]);
    const servedKeys = new Set(served.map((r) => `${r.method} ${toOpenApiPath(r.path)}`));
    const stale = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)).filter((k) => !servedKeys.has(k));
    expect(stale).toEqual([]);
    // The routes this issue names are among the described ones.
    for (const key of ['DELETE /v1/jobs/{id}', 'GET /v1/jobs/{id}/events', 'GET /v1/jobs/{id}/image', 'GET /v1/reviews', 'POST /v1/reviews/{id}/decision', 'GET /v1/admin/cache/stats', 'GET /v1/admin/breakers', 'POST /v3/text']) {
      expect(servedKeys.has(key)).toBe(true);
    }
  });

  it('is OpenAPI 3.1 whose schemas all compile as JSON Schema 2020-12, with unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(validator.compileAll()).toEqual(expect.arrayContaining(['JobView', 'ResultDocument', 'Problem', 'MathpixTextResponse']));
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => (op as { operationId: string }).operationId));
    expect(new Set(ids).size).toBe(ids.length);
    // Generated from zod, not hand-written: the job statuses come from the schema's enum.
    expect(JSON.stringify(doc.components.schemas.JobView)).toContain('awaiting_review');
  });

  it('serves the document at /openapi.json and a Swagger UI page at /docs from local assets', async () => {
    const res = await call(`${stack.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    const page = await fetch(`${stack.baseUrl}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const scripts = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui-bundle.js', '/docs/init.js']));
    for (const asset of scripts) {
      const r = await fetch(`${stack.baseUrl}${asset}`);
      expect([asset, r.status]).toEqual([asset, 200]);
      expect(r.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /text\/css/ : /javascript/);
    }
    expect(await (await fetch(`${stack.baseUrl}/docs/init.js`)).text()).toContain("url: '/openapi.json'");
  });

  it('answers of a running stack validate against the document', async () => {
    const base = stack.baseUrl;
    const submit = (options: object) => {
      const form = new FormData();
      form.append('image', new Blob([IMAGE]), 'formula.png');
      form.append('options', JSON.stringify(options));
      return call(`${base}/v1/jobs`, { method: 'POST', body: form });
    };
    await call(`${base}/health`);
    await call(`${base}/ready`);
    await call(`${base}/metrics`);

    const done = (await (await submit({ enable_human_review: false, export_formats: ['json', 'markdown'] })).json()) as { id: string };
    const review = (await (await submit({ review_threshold: 1 })).json()) as { id: string };
    for (const id of [done.id, review.id]) {
      let status = '';
      for (let i = 0; i < 20 && !['completed', 'awaiting_review', 'failed'].includes(status); i++) status = ((await (await call(`${base}/v1/jobs/${id}?wait=10`)).json()) as { status: string }).status;
    }
    expect(((await (await call(`${base}/v1/jobs/${done.id}`)).json()) as { status: string }).status).toBe('completed');
    await call(`${base}/v1/jobs/${done.id}/result`);
    await call(`${base}/v1/jobs/${done.id}/exports/json`);
    await call(`${base}/v1/jobs/${done.id}/exports/markdown`);
    await call(`${base}/v1/jobs/${done.id}/exports/docx`); // not asked: 404 problem
    await call(`${base}/v1/jobs/${done.id}/image`);
    const events = await call(`${base}/v1/jobs/${done.id}/events`);
    expect(await events.text()).toContain('event: status');

    await call(`${base}/v1/reviews`);
    await call(`${base}/v1/reviews/feedback.jsonl`);
    await call(`${base}/v1/reviews/${review.id}`);
    await call(`${base}/v1/jobs/${review.id}/result`); // 409: not completed
    const claim = (await (await call(`${base}/v1/reviews/${review.id}/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reviewer: 'ada' }) })).json()) as { lease: { id: string } };
    const decided = await call(`${base}/v1/reviews/${review.id}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'approve', reviewer: 'ada', lease_id: claim.lease.id }) });
    expect(decided.status).toBe(200);
    await call(`${base}/v1/reviews/${review.id}/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'approve', reviewer: 'ada' }) }); // 409

    await call(`${base}/v1/admin/cache/stats`);
    await call(`${base}/v1/admin/breakers`);
    await call(`${base}/v1/admin/breakers/mathpix/reset`, { method: 'POST' });
    await call(`${base}/v1/admin/breakers/nope/reset`, { method: 'POST' });
    await call(`${base}/v1/admin/cache/nope`, { method: 'DELETE' });
    await call(`${base}/v1/jobs/00000000-0000-4000-8000-000000000000`);
    await call(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_url: 'not a url' }) });
    await call(`${base}/v1/jobs?x=1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    await call(`${base}/v3/text`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ src: `data:image/png;base64,${IMAGE.toString('base64')}`, formats: ['text', 'data'], data_options: { include_latex: true } }) });
    await call(`${base}/v3/text`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"src": ' });
    await call(`${base}/v1/jobs/${done.id}`, { method: 'DELETE' });

    expect(validator.problems()).toEqual([]);
    const statuses = new Set(validator.captured.map((c) => `${c.operation} ${c.status}`));
    for (const expected of ['POST /v1/jobs 202', 'POST /v1/jobs 400', 'POST /v1/jobs 415', 'GET /v1/jobs/{id}/result 200', 'GET /v1/jobs/{id}/result 409', 'GET /v1/reviews/{id} 200', 'POST /v1/reviews/{id}/decision 200', 'POST /v1/reviews/{id}/decision 409', 'DELETE /v1/jobs/{id} 204', 'POST /v3/text 200', 'GET /v1/jobs/{id}/exports/{format} 404']) {
      expect(statuses).toContain(expected);
    }
  });
});
