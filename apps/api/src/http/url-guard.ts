/**
 * Refuses URLs that would make the server reach into private networks (SSRF): loopback, private,
 * link-local (cloud metadata at 169.254.169.254), unique-local and unspecified addresses, checked
 * on the literal host and on every address DNS resolves it to. `ALLOW_PRIVATE_URLS` lifts it for
 * local development and tests.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress as sharedIsPrivateAddress } from '@mpp/webhooks';
import { HttpProblem } from './problem';

/**
 * The one address policy (@mpp/webhooks, shared with webhook delivery). It had a rule
 * `::ffff:0:0/96` here, which node's BlockList also matches against every plain IPv4 address,
 * so every public IPv4 host was refused; the shared policy unwraps mapped addresses instead.
 */
export const isPrivateAddress: (address: string) => boolean = sharedIsPrivateAddress;

export async function assertPublicUrl(raw: string, allowPrivate: boolean, field: string, lookup: typeof dns.lookup = dns.lookup, isPrivate: (address: string) => boolean = isPrivateAddress): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} is not a URL`, [{ field, message: 'not a URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpProblem(400, 'validation-error', 'Request validation failed', `${field} must use http or https`, [{ field, message: 'scheme not allowed' }]);
  }
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolveAll(lookup, host);
  if (addresses.length === 0) throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `${field} host ${host} does not resolve`, [{ field, message: 'host does not resolve' }]);
  if (addresses.some(isPrivate)) {
    throw new HttpProblem(422, 'url-not-allowed', 'URL not allowed', `${field} points to a private, loopback or link-local address`, [{ field, message: 'private address refused' }]);
  }
}

function resolveAll(lookup: typeof dns.lookup, host: string): Promise<string[]> {
  return new Promise((resolve) => {
    lookup(host, { all: true, verbatim: true }, (err, found) => resolve(err ? [] : (found as unknown as dns.LookupAddress[]).map((a) => a.address)));
  });
}
