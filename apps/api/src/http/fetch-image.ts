/**
 * Downloads an `image_url` with bounded time and size. Redirects are followed by hand (at most 3),
 * each hop re-checked, so a redirect cannot lead somewhere the first URL could not go.
 *
 * The SSRF guard holds at connect time: each connection resolves its host through a lookup that
 * refuses private, loopback, link-local and unique-local answers, and connects to the address it
 * approved (no pooled sockets), so a host whose DNS answer changes between the check and the
 * connection (DNS rebinding) is still refused. IP literals are checked before connecting.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { HttpProblem } from './problem';
import { assertPublicUrl, isPrivateAddress } from './url-guard';

export interface FetchLimits {
  maxBytes: number;
  fetchTimeoutMs: number;
  allowPrivateUrls: boolean;
  /** DNS lookup to use (default `dns.lookup`); tests pass one to resolve names as they need. */
  lookup?: typeof dns.lookup;
  /** Address policy (default `isPrivateAddress`); tests narrow it to tell two loopback addresses apart. */
  isPrivate?: (address: string) => boolean;
}

const MAX_REDIRECTS = 3;

class PrivateAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to a private address`);
    this.name = 'PrivateAddressError';
  }
}

/** A `net` lookup that only ever hands out public addresses (unless private ones are allowed). */
export function guardedLookup(allowPrivate: boolean, resolve: typeof dns.lookup = dns.lookup, isPrivate = isPrivateAddress): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      const refused = allowPrivate ? undefined : list.find((a) => isPrivate(a.address));
      if (refused) return callback(new PrivateAddressError(hostname, refused.address), '', 0);
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

export async function fetchImage(url: string, limits: FetchLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  const lookup = guardedLookup(limits.allowPrivateUrls, limits.lookup, limits.isPrivate);
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await assertPublicUrl(current, limits.allowPrivateUrls, 'image_url', limits.lookup, limits.isPrivate);
      const res = await get(new URL(current), lookup, signal);
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        current = new URL(res.headers.location, current).toString();
        res.resume();
        continue;
      }
      if (!res.statusCode || res.statusCode < 200 || res.statusCode >= 300) {
        res.resume();
        throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `GET ${redact(current)} answered ${res.statusCode}`, [{ field: 'image_url', message: `HTTP ${res.statusCode}` }]);
      }
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > limits.maxBytes) {
        res.destroy();
        throw tooLarge(limits.maxBytes);
      }
      return await readBounded(res, limits.maxBytes);
    }
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `more than ${MAX_REDIRECTS} redirects`, [{ field: 'image_url', message: 'too many redirects' }]);
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    if (err instanceof PrivateAddressError || (err as { cause?: unknown }).cause instanceof PrivateAddressError) {
      throw new HttpProblem(422, 'url-not-allowed', 'URL not allowed', 'image_url points to a private, loopback or link-local address', [{ field: 'image_url', message: 'private address refused' }]);
    }
    const timedOut = signal.aborted;
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', timedOut ? `no complete answer within ${limits.fetchTimeoutMs} ms` : `could not download the image: ${(err as Error).message}`, [{ field: 'image_url', message: timedOut ? 'timeout' : 'unreachable' }]);
  }
}

/** One GET on a fresh connection (agent: false, so the guarded lookup runs for every request). */
function get(url: URL, lookup: LookupFunction, signal: AbortSignal): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'GET', agent: false, lookup, signal, headers: { accept: 'image/png,image/jpeg,image/webp', 'user-agent': 'mathpix-pipeline' } }, resolve);
    req.on('error', reject);
    req.end();
  });
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
