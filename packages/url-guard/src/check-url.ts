/**
 * Checks an outbound URL before anything connects: http or https only, and a host that is (or,
 * when asked, resolves to) a public address. A passed check is not a licence to connect anywhere
 * later: DNS answers change, so `guardedRequest` checks the address each connection uses again.
 */
import dns from 'node:dns';
import { isIP } from 'node:net';
import { isPrivateAddress, type AddressPolicy } from './address-policy';
import { UrlNotAllowedError } from './errors';

export interface GuardOptions {
  /** `ALLOW_PRIVATE_URLS`: lifts the address policy (local development, tests); schemes stay checked. */
  allowPrivate: boolean;
  /** DNS lookup (default `dns.lookup`); tests pass one that resolves names as they need. */
  lookup?: typeof dns.lookup;
  /** Address policy (default `isPrivateAddress`); tests narrow it to tell two loopback addresses apart. */
  isPrivate?: AddressPolicy;
  /** How messages name the URL (`image_url`, `webhook_url`). */
  label?: string;
}

/** The host of a URL as an address or a name, without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Parses and checks the scheme and a literal IP host; names are left to resolution. */
export function parseOutboundUrl(raw: string | URL, options: GuardOptions): URL {
  const label = options.label ?? 'URL';
  let url: URL;
  try {
    url = raw instanceof URL ? raw : new URL(raw);
  } catch {
    throw new UrlNotAllowedError('not_a_url', `${label} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlNotAllowedError('scheme_not_allowed', `${label} must use http or https`);
  const host = hostOf(url);
  if (!options.allowPrivate && isIP(host) && (options.isPrivate ?? isPrivateAddress)(host)) {
    throw new UrlNotAllowedError('private_address', `${label} points to a private address (${host})`, host);
  }
  return url;
}

/**
 * `parseOutboundUrl`, then every address the host resolves to must be public: refuses early, with
 * a clear answer, what the connection would refuse anyway.
 */
export async function checkOutboundUrl(raw: string | URL, options: GuardOptions): Promise<URL> {
  const url = parseOutboundUrl(raw, options);
  const host = hostOf(url);
  if (options.allowPrivate || isIP(host)) return url;
  const label = options.label ?? 'URL';
  const addresses = await resolveAll(options.lookup ?? dns.lookup, host);
  if (addresses.length === 0) throw new UrlNotAllowedError('does_not_resolve', `${label} host ${host} does not resolve`);
  const refused = addresses.find(options.isPrivate ?? isPrivateAddress);
  if (refused) throw new UrlNotAllowedError('private_address', `${label} host ${host} resolves to a private address (${refused})`, refused);
  return url;
}

function resolveAll(lookup: typeof dns.lookup, host: string): Promise<string[]> {
  return new Promise((resolve) => {
    lookup(host, { all: true, verbatim: true }, (err, found) => resolve(err ? [] : (found as unknown as dns.LookupAddress[]).map((a) => a.address)));
  });
}
