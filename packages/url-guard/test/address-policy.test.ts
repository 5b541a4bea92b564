/**
 * The address policy over the special-purpose ranges (each one the hand-kept lists used to miss
 * included), the checks on a URL before connecting, and the connect-time lookup.
 */
import type dns from 'node:dns';
import { addressRange, checkOutboundUrl, guardedLookup, isPrivateAddress, parseOutboundUrl, UrlNotAllowedError } from '../src';

const PRIVATE = [
  // IPv4: this network, private, carrier-grade NAT, loopback, link-local and cloud metadata
  ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'unspecified'], ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['192.168.1.1', 'private'],
  ['100.64.0.1', 'carrierGradeNat'], ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['169.254.169.254', 'linkLocal'],
  // IPv4: protocol assignments, documentation, benchmarking, reserved, multicast, broadcast
  ['192.0.0.8', 'reserved'], ['192.0.2.10', 'reserved'], ['198.51.100.7', 'reserved'], ['203.0.113.9', 'reserved'], ['198.18.0.1', 'reserved'], ['198.19.255.1', 'reserved'],
  ['240.0.0.1', 'reserved'], ['224.0.0.251', 'multicast'], ['239.255.255.250', 'multicast'], ['255.255.255.255', 'broadcast'],
  // IPv6: unspecified, loopback, link-local, unique-local, multicast
  ['::', 'unspecified'], ['::1', 'loopback'], ['fe80::1', 'linkLocal'], ['fd00::1', 'uniqueLocal'], ['fc00::1', 'uniqueLocal'], ['ff02::1', 'multicast'],
  // IPv6 that embeds or translates IPv4: NAT64 (well-known and local-use), 6to4, Teredo, SIIT
  ['64:ff9b::7f00:1', 'rfc6052'], ['64:ff9b::a9fe:a9fe', 'rfc6052'], ['64:ff9b:1::a00:1', 'rfc6052'], ['2002:7f00:1::1', '6to4'], ['2002:c0a8:101::1', '6to4'], ['2001:0:4136:e378::1', 'teredo'], ['::ffff:0:7f00:1', 'rfc6145'],
  // IPv6: documentation, and outside global unicast 2000::/3 (IPv4-compatible ::a.b.c.d; ipaddr.js reads the dotted form as IPv4)
  ['2001:db8::1', 'reserved'], ['::127.0.0.1', 'loopback'], ['::7f00:1', 'reserved'],
  // IPv4-mapped IPv6 is judged as the IPv4 address it maps to
  ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:a9fe:a9fe', 'linkLocal'], ['::ffff:10.0.0.1', 'private'], ['::ffff:192.0.2.1', 'reserved'], ['::ffff:100.64.0.1', 'carrierGradeNat'],
] as const;

describe('isPrivateAddress', () => {
  it.each(PRIVATE)('%s is refused (%s)', (address, range) => {
    expect(addressRange(address)).toBe(range);
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.1', '172.32.0.1', '198.20.0.1', '2606:4700::1111', '2a00:1450:4001:82b::200e', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('refuses what is not an IP address at all', () => {
    for (const junk of ['', 'localhost', '127.1', '0x7f000001', '1.2.3.4.5']) expect(isPrivateAddress(junk)).toBe(true);
  });
});

/** A lookup answering from a table, as dns.lookup would. */
function tableLookup(table: Record<string, string[]>): typeof dns.lookup {
  return ((host: string, _options: dns.LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => {
    const found = table[host];
    if (!found) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    cb(null, found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as unknown as typeof dns.lookup;
}

const reasonOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as UrlNotAllowedError).reason;
  }
};

describe('checking a URL before connecting', () => {
  const strict = { allowPrivate: false, label: 'webhook_url' };

  it('allows only http and https, and refuses private literal hosts unless private URLs are allowed', () => {
    expect(reasonOf(() => parseOutboundUrl('not a url', strict))).toBe('not_a_url');
    for (const raw of ['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/']) expect(reasonOf(() => parseOutboundUrl(raw, strict))).toBe('scheme_not_allowed');
    for (const raw of ['http://127.0.0.1/', 'http://[::1]/', 'http://[::ffff:169.254.169.254]/', 'http://0x7f.1/', 'http://[64:ff9b::a00:1]/', 'http://198.18.0.1/', 'http://192.0.2.1/']) {
      expect([raw, reasonOf(() => parseOutboundUrl(raw, strict))]).toEqual([raw, 'private_address']);
    }
    expect(parseOutboundUrl('http://127.0.0.1:8080/x', { allowPrivate: true }).port).toBe('8080');
    expect(reasonOf(() => parseOutboundUrl('ftp://127.0.0.1/', { allowPrivate: true }))).toBe('scheme_not_allowed');
  });

  it('refuses a name when any address it resolves to is private, and a name that does not resolve', async () => {
    const lookup = tableLookup({ 'public.test': ['93.184.216.34'], 'mixed.test': ['93.184.216.34', '10.1.2.3'], 'nat64.test': ['64:ff9b::7f00:1'] });
    await expect(checkOutboundUrl('https://public.test/x', { ...strict, lookup })).resolves.toBeInstanceOf(URL);
    for (const host of ['mixed.test', 'nat64.test']) {
      await expect(checkOutboundUrl(`https://${host}/x`, { ...strict, lookup })).rejects.toMatchObject({ reason: 'private_address' });
    }
    await expect(checkOutboundUrl('https://nowhere.test/x', { ...strict, lookup })).rejects.toMatchObject({ reason: 'does_not_resolve' });
  });
});

describe('the connect-time lookup', () => {
  const lookupOnce = (fn: ReturnType<typeof guardedLookup>, host: string, all: boolean) =>
    new Promise<{ err: Error | null; address: unknown }>((resolve) => fn(host, { all }, (err, address) => resolve({ err, address })));

  it('hands out public answers, in the shape the socket asked for, and refuses a private one', async () => {
    const lookup = tableLookup({ 'public.test': ['93.184.216.34', '2606:4700::1111'], 'cgnat.test': ['100.64.1.1'] });
    const guarded = guardedLookup({ allowPrivate: false, lookup });
    expect(await lookupOnce(guarded, 'public.test', false)).toEqual({ err: null, address: '93.184.216.34' });
    expect((await lookupOnce(guarded, 'public.test', true)).address).toHaveLength(2);
    const refused = await lookupOnce(guarded, 'cgnat.test', false);
    expect(refused.err).toBeInstanceOf(UrlNotAllowedError);
    expect(refused.err).toMatchObject({ reason: 'private_address', address: '100.64.1.1' });
    expect((await lookupOnce(guardedLookup({ allowPrivate: true, lookup }), 'cgnat.test', false)).address).toBe('100.64.1.1');
  });
});
