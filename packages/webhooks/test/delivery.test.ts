/**
 * One delivery attempt against loopback servers, the shared address policy on literals, after
 * DNS resolution and on the ranges only the shared guard knows, the retry timing, and signatures checked by the `standardwebhooks` library itself.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { attemptDelivery, backoffDelayMs, parseRetryAfter, WebhookSigner } from '../src';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let server: http.Server;
let base: string;
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
});

const signer = new WebhookSigner(SECRET);
const allow = { timeoutMs: 2_000, allowPrivateUrls: true };

describe('attemptDelivery', () => {
  it('sends a body whose signature standardwebhooks verifies', async () => {
    let got: { headers: http.IncomingHttpHeaders; body: string } | undefined;
    answer = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = { headers: req.headers, body: Buffer.concat(chunks).toString() };
        res.writeHead(200).end();
      });
    };
    const body = JSON.stringify({ type: 'job.completed', timestamp: new Date().toISOString(), data: { id: 'x', status: 'completed', links: {} } });
    expect(await attemptDelivery(`${base}/h`, body, signer.sign('msg_1', body), allow)).toEqual({ ok: true, statusCode: 200 });
    expect(new Webhook(SECRET).verify(got!.body, got!.headers as Record<string, string>)).toMatchObject({ type: 'job.completed' });
    expect(got!.headers['webhook-id']).toBe('msg_1');
  });

  it('reads Retry-After, stops on 410, does not follow redirects', async () => {
    answer = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end();
    expect(await attemptDelivery(base, '{}', signer.sign('m', '{}'), allow)).toMatchObject({ ok: false, statusCode: 429, permanent: false, retryAfterMs: 7000 });
    answer = (_req, res) => res.writeHead(410).end();
    expect(await attemptDelivery(base, '{}', signer.sign('m', '{}'), allow)).toMatchObject({ ok: false, statusCode: 410, permanent: true });
    answer = (req, res) => (req.url === '/to' ? res.writeHead(200).end() : res.writeHead(307, { location: '/to' }).end());
    expect(await attemptDelivery(`${base}/from`, '{}', signer.sign('m', '{}'), allow)).toMatchObject({ ok: false, statusCode: 307, permanent: false });
    expect(seen).toEqual(['/', '/', '/from']);
  });

  it('gives up on a receiver that does not answer within the timeout (and retries later)', async () => {
    answer = () => undefined; // never answers
    const outcome = await attemptDelivery(base, '{}', signer.sign('m', '{}'), { timeoutMs: 150, allowPrivateUrls: true });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, permanent: false });
    expect((outcome as { error: string }).error).toContain('150 ms');
  });

  it('refuses private addresses without ALLOW_PRIVATE_URLS: literal, and after DNS (localhost)', async () => {
    answer = (_req, res) => res.writeHead(200).end();
    const strict = { timeoutMs: 2_000, allowPrivateUrls: false };
    const literal = await attemptDelivery(base, '{}', signer.sign('m', '{}'), strict);
    expect(literal).toMatchObject({ ok: false, permanent: true });
    const port = (server.address() as AddressInfo).port;
    const viaDns = await attemptDelivery(`http://localhost:${port}/`, '{}', signer.sign('m', '{}'), strict);
    expect(viaDns).toMatchObject({ ok: false, permanent: true });
    expect((viaDns as { error: string }).error).toMatch(/private address/);
    expect(await attemptDelivery('ftp://example.com/', '{}', signer.sign('m', '{}'), strict)).toMatchObject({ ok: false, permanent: true });
    // Ranges the old hand-kept list missed: documentation, benchmarking, NAT64, 6to4, IPv4-mapped.
    for (const target of ['http://192.0.2.1/', 'http://198.18.0.1/', 'http://[64:ff9b::7f00:1]/', 'http://[2002:7f00:1::1]/', `http://[::ffff:127.0.0.1]:${port}/`]) {
      const outcome = await attemptDelivery(target, '{}', signer.sign('m', '{}'), strict);
      expect([target, outcome]).toEqual([target, expect.objectContaining({ ok: false, permanent: true, error: expect.stringMatching(/private address/) })]);
    }
    expect(seen).toEqual([]);
  });
});

// The address policy itself is @mpp/url-guard's, tested there (packages/url-guard/test).
describe('retry timing', () => {
  it('doubles the delay per retry within +-20% jitter; the default schedule spans about a day', () => {
    expect(backoffDelayMs(1, 1000, () => 0.5)).toBe(1000);
    expect(backoffDelayMs(4, 1000, () => 0.5)).toBe(8000);
    expect(backoffDelayMs(4, 1000, () => 0)).toBe(6400);
    expect(backoffDelayMs(4, 1000, () => 1)).toBe(9600);
    const total = Array.from({ length: 11 }, (_, n) => backoffDelayMs(n + 1, 40_000, () => 0.5)).reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(26);
  });

  it('reads Retry-After as seconds or an HTTP date, capped at a day', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('999999999', now)).toBe(24 * 3600 * 1000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
