/**
 * One delivery attempt: POST the exact body with its Standard Webhooks headers, with a hard
 * timeout, never following redirects (a 3xx is a failed attempt), refusing private addresses.
 * The outcome says whether to retry, how soon the receiver asked (`Retry-After`), and whether to
 * stop for good (410 Gone, or a URL the policy refuses).
 */
import { guardedRequest, parseOutboundUrl, urlRefusalOf } from '@mpp/url-guard';
import { parseRetryAfter } from './backoff';
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
  // The shared SSRF guard (@mpp/url-guard): scheme and literal host here, the connected address in guardedRequest.
  const guard = { allowPrivate: options.allowPrivateUrls, label: 'webhook_url' };
  let url: URL;
  try {
    url = parseOutboundUrl(rawUrl, guard);
  } catch (err) {
    return { ok: false, statusCode: null, error: (err as Error).message, permanent: true };
  }
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
  try {
    const res = await guardedRequest(url, {
      ...guard,
      method: 'POST',
      signal: timeout.signal,
      body,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT, ...headers },
    });
    const status = res.statusCode ?? 0;
    res.on('error', () => undefined);
    res.resume();
    if (status >= 200 && status < 300) return { ok: true, statusCode: status };
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const error = status >= 300 && status < 400 ? `HTTP ${status} redirect not followed` : `HTTP ${status}`;
    return { ok: false, statusCode: status, error, permanent: status === 410, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  } catch (err) {
    // A refused address never becomes reachable by retrying; a timeout or a refused connection may.
    const refusal = urlRefusalOf(err);
    const message = timeout.signal.aborted ? (timeout.signal.reason as Error).message : (refusal ?? (err as Error)).message;
    return { ok: false, statusCode: null, error: message, permanent: refusal !== undefined };
  } finally {
    clearTimeout(timer);
  }
}
