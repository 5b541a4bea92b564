/**
 * One HTTP request that can only reach public addresses. It runs on a fresh connection (no pooled
 * sockets) whose DNS lookup refuses private answers, and Node connects to exactly the address that
 * lookup approved, so a name whose answer changes between a check and the connection (DNS
 * rebinding) is still refused. IP literals never reach a lookup, so they are checked first.
 * Redirects are the caller's business: each hop is a new `guardedRequest`, checked the same way.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPrivateAddress } from './address-policy';
import { parseOutboundUrl, type GuardOptions } from './check-url';
import { UrlNotAllowedError } from './errors';

/** A `net` lookup that hands out only public addresses (unless private ones are allowed). */
export function guardedLookup(options: GuardOptions): LookupFunction {
  const resolve = options.lookup ?? dns.lookup;
  const isPrivate = options.isPrivate ?? isPrivateAddress;
  const label = options.label ?? 'URL';
  return (hostname, lookupOptions, callback) => {
    resolve(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      const refused = options.allowPrivate ? undefined : list.find((a) => isPrivate(a.address));
      if (refused) return callback(new UrlNotAllowedError('private_address', `${label} host ${hostname} resolves to a private address (${refused.address})`, refused.address), '', 0);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
      if (lookupOptions.all) return callback(null, list);
      callback(null, first.address, first.family);
    });
  };
}

export interface GuardedRequestOptions extends GuardOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/** Resolves with the response (headers read, body not); rejects with `UrlNotAllowedError` for a refused address. */
export function guardedRequest(raw: string | URL, options: GuardedRequestOptions): Promise<http.IncomingMessage> {
  let url: URL;
  try {
    url = parseOutboundUrl(raw, options);
  } catch (err) {
    return Promise.reject(err);
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: options.method, agent: false, lookup: guardedLookup(options), headers: options.headers, ...(options.signal ? { signal: options.signal } : {}) }, resolve);
    req.on('error', reject);
    req.end(options.body);
  });
}
