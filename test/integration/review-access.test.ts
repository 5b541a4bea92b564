/**
 * With API_KEYS set, the review API, the job image, the pages and bull-board need a key: a
 * program sends it in a header, a browser opens a page once with `?key=` and then carries a cookie.
 */
import { startStack, type Stack } from '../support/stack';

const KEY = 'review-test-key-0123456789';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ env: { API_KEYS: `other-key,${KEY}` }, worker: false });
});
afterAll(async () => {
  await stack?.close();
});

describe('API keys on the review API and the pages', () => {
  it('refuses the review API without a key and accepts a Bearer or X-API-Key header', async () => {
    const bare = await fetch(`${stack.baseUrl}/v1/reviews`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${stack.baseUrl}/v1/reviews`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${stack.baseUrl}/v1/reviews`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/v1/reviews`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/v1/jobs/00000000-0000-4000-8000-000000000000/image`)).status).toBe(401);
  });

  it('shows a sign-in form for pages, turns ?key= into an HttpOnly cookie, and lets the cookie through', async () => {
    const bare = await fetch(`${stack.baseUrl}/review`, { redirect: 'manual' });
    expect(bare.status).toBe(401);
    expect(await bare.text()).toContain('<label for="key">API key</label>');
    expect((await fetch(`${stack.baseUrl}/review?key=wrong`, { redirect: 'manual' })).status).toBe(401);

    const signIn = await fetch(`${stack.baseUrl}/review?status=pending&key=${KEY}`, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/review?status=pending');
    const cookie = signIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0]!;

    const page = await fetch(`${stack.baseUrl}/review`, { headers: { cookie: pair } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${stack.baseUrl}/v1/reviews`, { headers: { cookie: pair } })).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/admin/queues`, { redirect: 'manual' })).status).toBe(401);
    expect((await fetch(`${stack.baseUrl}/admin/queues`, { headers: { cookie: pair } })).status).toBe(200);
    // Static assets hold no data and stay public, so the sign-in form is styled.
    expect((await fetch(`${stack.baseUrl}/assets/app.css`)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/assets/vendor/mathjax/tex-svg.js`)).status).toBe(200);
  });
});
