/**
 * One delivery attempt: POST the exact body with its Standard Webhooks headers, with a hard
 * timeout, never following redirects (a 3xx is a failed attempt), refusing private addresses.
 * The outcome says whether to retry, how soon the receiver asked (`Retry-After`), and whether to
 * stop for good (410 Gone, or a URL the policy refuses).
 */
import http from 'node:http';
import https from 'node:https';
import { parseRetryAfter } from './backoff';
import { checkWebhookUrl, guardedLookup, UrlNotAllowedError } from './address-policy';
import type { SignedHeaders } from './signer';

export interface AttemptOptions {
  timeoutMs: number;
  allowPrivateUrls: boolean;
}

export type AttemptOutcome =
  | { ok: true; statusCode: number }
  | { ok: false; statusCode: number | null; error: string; permanent: boolean; retryAfterMs?: number };

const USER_AGENT = 'mathpix-pipeline-webhooks/2.0';

export async function attemptDelivery(rawUrl: string, body: string, headers: SignedHeaders, options: AttemptOptions): Promise<AttemptOutcome> {
  let url: URL;
  try {
    url = checkWebhookUrl(rawUrl, options.allowPrivateUrls);
  } catch (err) {
    return { ok: false, statusCode: null, error: (err as Error).message, permanent: true };
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const done = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup: guardedLookup(options.allowPrivateUrls) as never,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT, ...headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('error', () => undefined);
        if (status >= 200 && status < 300) return done({ ok: true, statusCode: status });
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        const error = status >= 300 && status < 400 ? `HTTP ${status} redirect not followed` : `HTTP ${status}`;
        done({ ok: false, statusCode: status, error, permanent: status === 410, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on('error', (err) => done({ ok: false, statusCode: null, error: err.message, permanent: err instanceof UrlNotAllowedError }));
    req.end(body);
  });
}
