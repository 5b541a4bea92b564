/**
 * Refuses URLs that would make the server reach into private networks (SSRF): loopback, private,
 * link-local (cloud metadata at 169.254.169.254), unique-local and unspecified addresses, checked
 * on the literal host and on every address DNS resolves it to. `ALLOW_PRIVATE_URLS` lifts it for
 * local development and tests.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { HttpProblem } from './problem';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96]] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export async function assertPublicUrl(raw: string, allowPrivate: boolean, field: string): Promise<void> {
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
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `${field} host ${host} does not resolve`, [{ field, message: 'host does not resolve' }]);
  if (addresses.some(isPrivateAddress)) {
    throw new HttpProblem(422, 'url-not-allowed', 'URL not allowed', `${field} points to a private, loopback or link-local address`, [{ field, message: 'private address refused' }]);
  }
}
