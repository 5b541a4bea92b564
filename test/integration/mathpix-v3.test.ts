/**
 * `POST /v3/text` answering requests shaped exactly like Mathpix's documented examples, so code
 * written for Mathpix works by changing its base URL: JSON with `src` as a data URL or an http URL,
 * multipart `file` + `options_json`, `app_id` / `app_key` headers checked against API_KEYS, and
 * Mathpix's response fields and error shape (`error`, `error_info: {id, message}`).
 *
 * Real API, worker and Redis. Stage B reads the text through the Mathpix provider, pointed at the
 * loopback fake of Mathpix's wire format, so the recognised content is known and the mapping back
 * to Mathpix's fields can be checked exactly (the local recognisers answer the same route in the
 * OpenAPI test). Every answer is checked against the OpenAPI document.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MathpixTextResponse } from '@mpp/schemas';
import { openApiDocument } from '../../apps/api/src/openapi/document';
import type { FakeApi } from '../fakes/fake-server';
import { MATHPIX_FAKE_APP_ID, MATHPIX_FAKE_APP_KEY, MATHPIX_OK_ANSWER, mathpixFake } from '../fakes/mathpix-fake';
import { readFixture } from '../support/fixtures';
import { solidImage } from '../support/images';
import { OpenApiResponseValidator } from '../support/openapi-validator';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const FORMULA = readFixture('im2latex', '329a44c373.png'); // 400x50
const DATA_URL = `data:image/png;base64,${FORMULA.toString('base64')}`;
const APP_KEY = 'mathpix-compat-key';
const HEADERS = { app_id: 'my-app', app_key: APP_KEY };

describe('POST /v3/text, Mathpix-compatible', () => {
  let stack: Stack;
  let mathpix: FakeApi;
  let images: http.Server;
  let imagesUrl: string;
  let call: typeof fetch;
  const validator = new OpenApiResponseValidator(openApiDocument());

  const post = async (init: RequestInit) => {
    const res = await call(`${stack.baseUrl}/v3/text`, { method: 'POST', ...init });
    return { status: res.status, body: MathpixTextResponse.parse(await res.json()) };
  };
  /** A JSON body with Mathpix's headers, as every example in Mathpix's documentation sends it. */
  const postJson = (body: unknown, headers: Record<string, string> = HEADERS) => post({ headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    mathpix = await mathpixFake().start();
    // The http URL case fetches from a loopback server: only allowed with ALLOW_PRIVATE_URLS.
    stack = await startStack({ env: { API_KEYS: APP_KEY, ALLOW_PRIVATE_URLS: 'true', MATHPIX_APP_ID: MATHPIX_FAKE_APP_ID, MATHPIX_APP_KEY: MATHPIX_FAKE_APP_KEY, MATHPIX_API_URL: mathpix.url } });
    call = validator.capturingFetch(stack.baseUrl);
    images = http.createServer((req, res) => {
      if (req.url === '/examples/formula.png') res.writeHead(200, { 'content-type': 'image/png' }).end(FORMULA);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no such image');
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    images?.closeAllConnections();
    await new Promise<void>((resolve) => (images ? images.close(() => resolve()) : resolve()));
    await stack?.close();
    await mathpix?.stop();
  });

  afterEach(() => {
    expect(validator.problems()).toEqual([]);
  });

  it('answers the documented JSON request with a data URL: text, latex_styled, data and the image facts', async () => {
    const { status, body } = await postJson({ src: DATA_URL, formats: ['text', 'data', 'latex_styled'], data_options: { include_asciimath: true, include_latex: true } });
    expect(status).toBe(200);
    expect(body.error).toBeUndefined();
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    // The size is the sent image's, not the recogniser's.
    expect(body).toMatchObject({ image_width: 400, image_height: 50, is_printed: true, is_handwritten: false, confidence: 0.97 });
    expect(body.confidence_rate).toBeGreaterThan(0.9);
    // Mathpix Markdown with Mathpix's default delimiters, not the pipeline's `$...$`.
    expect(body.text).toBe(MATHPIX_OK_ANSWER.text);
    expect(body.latex_styled).toBe(MATHPIX_OK_ANSWER.latex_styled);
    expect(body.data).toEqual([
      { type: 'latex', value: 'x^{2}-5 x+6=0' },
      { type: 'latex', value: 'x' },
      { type: 'latex', value: 'x=\\frac{5 \\pm 1}{2}' },
    ]);
    // Only what was asked for.
    expect(body.line_data).toBeUndefined();
    expect(body.html).toBeUndefined();
    // The request became a job like any other: it can be followed under its request_id.
    const job = (await (await fetch(`${stack.baseUrl}/v1/jobs/${body.request_id}`, { headers: { 'x-api-key': APP_KEY } })).json()) as { status: string; metadata: Record<string, unknown> };
    expect(job).toMatchObject({ status: 'completed', metadata: { source: 'mathpix-v3' } });
  });

  it('adds MathML and SVG converted by MathJax for include_mathml and include_svg, per formula after its LaTeX', async () => {
    const { body } = await postJson({ src: DATA_URL, formats: ['data'], data_options: { include_latex: true, include_mathml: true, include_svg: true, include_asciimath: true } });
    const data = body.data as Array<{ type: string; value: string }>;
    expect(data.map((d) => d.type)).toEqual(['latex', 'mathml', 'svg', 'latex', 'mathml', 'svg', 'latex', 'mathml', 'svg']);
    const [, mathml, svg] = data;
    // x^{2}-5 x+6=0 as MathML: a superscript, operators and numbers, no serialiser indentation.
    expect(mathml!.value).toMatch(/^<math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"><msup><mi>x<\/mi>(<mrow>)?<mn>2<\/mn>(<\/mrow>)?<\/msup><mo>&#x2212;<\/mo><mn>5<\/mn>/);
    expect(mathml!.value).not.toMatch(/\n|data-mjx/);
    expect(svg!.value).toMatch(/^<svg [^>]*viewBox="[-\d. ]+"/);
    expect(svg!.value).toContain('<path');
    // The fraction of the third formula is an <mfrac>.
    expect(data[7]!.value).toContain('<mfrac>');
    expect(body.text).toBeUndefined();
  });

  it('fetches src given as an http URL', async () => {
    const { body } = await postJson({ src: `${imagesUrl}/examples/formula.png`, formats: ['text'] });
    expect(body).toMatchObject({ image_width: 400, image_height: 50, text: expect.stringContaining('\\( x \\)') });
    expect(body.error).toBeUndefined();
  });

  it('takes a multipart file with options_json, and honours include_line_data and the delimiters', async () => {
    const form = new FormData();
    form.append('file', new Blob([FORMULA], { type: 'image/png' }), 'formula.png');
    form.append('options_json', JSON.stringify({ formats: ['text', 'html'], include_line_data: true, math_inline_delimiters: ['$', '$'], math_display_delimiters: ['$$', '$$'] }));
    const { body } = await post({ headers: HEADERS, body: form });
    expect(body.error).toBeUndefined();
    expect(body.text).toBe('Solve $x^{2}-5 x+6=0$ for $x$.\n$$\nx=\\frac{5 \\pm 1}{2}\n$$');
    expect(body.html).toBe('<div>Solve <span class="math-inline">$x^{2}-5 x+6=0$</span> for <span class="math-inline">$x$</span>.<br>\n<span class="math-block">$$x=\\frac{5 \\pm 1}{2}$$</span></div>\n');
    expect(body.line_data).toHaveLength(2);
    const [first, second] = body.line_data!;
    expect(first).toMatchObject({ type: 'text', included: true, is_printed: true, is_handwritten: false, text: 'Solve $x^{2}-5 x+6=0$ for $x$.', confidence: 0.96 });
    expect(second).toMatchObject({ type: 'math', subtype: 'equation', text: '$$\nx=\\frac{5 \\pm 1}{2}\n$$', confidence: 0.99 });
    // A contour is the box's four corners, clockwise from the top left.
    for (const line of body.line_data!) {
      const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = line.cnt as [[number, number], [number, number], [number, number], [number, number]];
      expect([y1, x2, x3, y3]).toEqual([y0, x1, x0, y2]);
      expect(x1).toBeGreaterThan(x0);
      expect(y2).toBeGreaterThan(y0);
    }
  });

  it('answers math_confidence below confidence_threshold, and the result above it', async () => {
    const low = await postJson({ src: DATA_URL, confidence_threshold: 0.99 });
    expect(low.status).toBe(200);
    expect(low.body).toMatchObject({ error: 'Low confidence', error_info: { id: 'math_confidence', message: 'Low confidence' }, confidence: 0.97 });
    expect(low.body.text).toBeUndefined();
    const high = await postJson({ src: DATA_URL, confidence_threshold: 0.5 });
    expect(high.body.error).toBeUndefined();
    expect(high.body.text).toEqual(expect.any(String));
  });

  it('checks app_key against API_KEYS: 401 with Mathpix\'s error body for a wrong or missing key', async () => {
    for (const headers of [{ app_id: 'my-app', app_key: 'not-a-key' }, { app_id: 'my-app' }] as Array<Record<string, string>>) {
      const { status, body } = await postJson({ src: DATA_URL }, headers);
      expect(status).toBe(401);
      expect(body).toEqual({ request_id: expect.any(String), error: 'Invalid credentials', error_info: { id: 'http_unauthorized', message: 'Invalid credentials' } });
    }
    // This service's own header works too, for clients written against /v1.
    expect((await postJson({ src: DATA_URL }, { authorization: `Bearer ${APP_KEY}` })).body.error).toBeUndefined();
  });

  it('answers bad requests as Mathpix does: HTTP 200 with error and error_info', async () => {
    const cases: Array<[RequestInit, string]> = [
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: '{"src": ' }, 'json_syntax'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ formats: ['text'] }) }, 'image_missing'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: DATA_URL, formats: ['mathml'] }) }, 'opts_unknown_format'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: DATA_URL, confidence_threshold: 2 }) }, 'opts_bad_value'],
      // Metadata goes into the job record with /v1's bounds: 5000 levels deep was a 500, megabytes were kept.
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: `{"src":"${DATA_URL}","metadata":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}` }, 'opts_bad_value'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: DATA_URL, metadata: { notes: 'x'.repeat(20_000) } }) }, 'opts_bad_value'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: DATA_URL, tags: Array.from({ length: 2_000 }, (_, i) => `tag-${i}`) }) }, 'opts_bad_value'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: `${imagesUrl}/examples/missing.png` }) }, 'image_download_error'],
      [{ headers: { 'content-type': 'application/json', ...HEADERS }, body: JSON.stringify({ src: `data:image/png;base64,${FORMULA.subarray(0, 300).toString('base64')}` }) }, 'image_decode_error'],
    ];
    for (const [init, id] of cases) {
      const { status, body } = await post(init);
      expect([id, status]).toEqual([id, 200]);
      expect(body).toMatchObject({ request_id: expect.any(String), error: expect.any(String), error_info: { id, message: body.error } });
      expect(body.text).toBeUndefined();
    }
  });

  it('answers image_no_content for an image without text, as Mathpix does', async () => {
    // Mathpix (the fake) finds nothing; stage B falls back to the local recogniser, which finds nothing either.
    mathpix.next({ kind: 'api_error', id: 'image_no_content' }, 5);
    const blank = await solidImage(300, 100).png().toBuffer();
    const { status, body } = await postJson({ src: `data:image/png;base64,${blank.toString('base64')}`, formats: ['text', 'data'] });
    expect(status).toBe(200);
    expect(body).toMatchObject({ request_id: expect.any(String), error: 'Content not found', error_info: { id: 'image_no_content' }, image_width: 300, image_height: 100 });
    expect(body.text).toBeUndefined();
  });
});

describe('POST /v3/text under the rate limit', () => {
  let stack: Stack;
  const validator = new OpenApiResponseValidator(openApiDocument());

  beforeAll(async () => {
    // No worker: only requests answered before any job is made are sent.
    stack = await startStack({ env: { API_KEYS: APP_KEY, RATE_LIMIT_REQUESTS: '2', RATE_LIMIT_WINDOW_SECONDS: '600' }, worker: false });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('counts app_key against the same budget as /v1 and answers 429 http_max_requests with Retry-After', async () => {
    const call = validator.capturingFetch(stack.baseUrl);
    const send = () => call(`${stack.baseUrl}/v3/text`, { method: 'POST', headers: { 'content-type': 'application/json', ...HEADERS }, body: '{"src": ' });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ request_id: expect.any(String), error: 'Too many requests', error_info: { id: 'http_max_requests', message: 'Too many requests' } });
    const v1 = await call(`${stack.baseUrl}/v1/jobs/00000000-0000-4000-8000-000000000000`, { headers: { 'x-api-key': APP_KEY } });
    expect(v1.status).toBe(429);
    expect(validator.problems()).toEqual([]);
  });
});
