/**
 * Which IP addresses the server may connect to on a client's behalf: only public unicast ones.
 * The classification is ipaddr.js's (the special-purpose registries: private, loopback,
 * link-local with the cloud metadata address 169.254.169.254, carrier-grade NAT, documentation
 * and benchmarking ranges, multicast, broadcast, unspecified, unique-local, NAT64, 6to4, Teredo,
 * ...), kept up to date by that library instead of a hand-written list here.
 *
 * Two rules of our own on top of it:
 * - an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as the IPv4 address it maps to;
 * - an IPv6 address outside 2000::/3, the only block IANA hands out as global unicast, is refused
 *   (ipaddr.js calls e.g. the deprecated IPv4-compatible `::127.0.0.1` "unicast").
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** ipaddr.js's name for the range an address falls in (`unicast` for public ones), or `invalid`. */
export function addressRange(address: string): string {
  if (isIP(address) === 0) return 'invalid';
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return range;
}

/** True for every address the server must not reach (anything but public unicast, or not an address). */
export function isPrivateAddress(address: string): boolean {
  return addressRange(address) !== 'unicast';
}

export type AddressPolicy = (address: string) => boolean;
