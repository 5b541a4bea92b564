/**
 * Downloads an `image_url` with bounded time and size. Redirects are followed by hand (at most 3),
 * each hop a new request through the shared SSRF guard (@mpp/url-guard): the URL is checked
 * before connecting, and every connection's lookup refuses private answers, so neither a redirect
 * nor a DNS answer that changes after the check (DNS rebinding) reaches a private address.
 */
import type http from 'node:http';
import { guardedRequest, urlRefusalOf, type GuardOptions } from '@mpp/url-guard';
import { HttpProblem } from './problem';
import { assertPublicUrl, refusalProblem } from './url-guard';

export interface FetchLimits extends Pick<GuardOptions, 'lookup' | 'isPrivate'> {
  maxBytes: number;
  fetchTimeoutMs: number;
  allowPrivateUrls: boolean;
}

const MAX_REDIRECTS = 3;
const FIELD = 'image_url';

export async function fetchImage(url: string, limits: FetchLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  const guard = { allowPrivate: limits.allowPrivateUrls, label: FIELD, ...(limits.lookup ? { lookup: limits.lookup } : {}), ...(limits.isPrivate ? { isPrivate: limits.isPrivate } : {}) };
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      // Early and clear: a hop to a private literal or name is refused before connecting.
      await assertPublicUrl(current, limits.allowPrivateUrls, FIELD, guard);
      const res = await guardedRequest(current, { ...guard, method: 'GET', signal, headers: { accept: 'image/png,image/jpeg,image/webp', 'user-agent': 'mathpix-pipeline' } });
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        current = new URL(res.headers.location, current).toString();
        res.resume();
        continue;
      }
      if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) {
        res.resume();
        throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `GET ${redact(current)} answered ${res.statusCode}`, [{ field: FIELD, message: `HTTP ${res.statusCode}` }]);
      }
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > limits.maxBytes) {
        res.destroy();
        throw tooLarge(limits.maxBytes);
      }
      return await readBounded(res, limits.maxBytes);
    }
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `more than ${MAX_REDIRECTS} redirects`, [{ field: FIELD, message: 'too many redirects' }]);
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    const refusal = urlRefusalOf(err);
    if (refusal) throw refusalProblem(refusal, FIELD);
    const timedOut = signal.aborted;
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', timedOut ? `no complete answer within ${limits.fetchTimeoutMs} ms` : `could not download the image: ${(err as Error).message}`, [{ field: FIELD, message: timedOut ? 'timeout' : 'unreachable' }]);
  }
}

async function readBounded(res: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    const buf = chunk as Buffer;
    total += buf.byteLength;
    if (total > maxBytes) {
      res.destroy();
      throw tooLarge(maxBytes);
    }
    chunks.push(buf);
  }
  if (!res.complete) throw new Error('the connection closed before the image was complete');
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(413, 'payload-too-large', 'Image too large', `the image at image_url exceeds ${maxBytes} bytes`, [{ field: 'image_url', message: 'too large' }]);
}

function redact(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = u.search ? '?…' : '';
  return u.toString();
}
