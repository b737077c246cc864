import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { PinnedAddress } from './bounded-read.js';

/**
 * Host checks of downloads named by someone else (a queue job, a server request): which addresses are private,
 * and a host's address resolved once, checked, and then connected to as it is (`fetchWithLimits`' `connectTo`),
 * so that a DNS answer cannot change between the check and the connection (DNS rebinding). Node only: it is
 * reached through `@yolokit/core/internal` alone, never from the browser entry.
 * Shared by yolokit's packages through `@yolokit/core/internal`; not part of the public API.
 */

/** Resolves a host name to its addresses (`dns.lookup` with `all: true`). */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/**
 * How {@link checkHost} resolves and judges a host. Both are replaceable so that tests can play a rebinding DNS
 * server on the loopback interface; everything else uses the defaults.
 */
export interface HostCheckOptions {
  /** @defaultValue `dns.lookup(hostname, { all: true, verbatim: true })` */
  readonly lookup?: HostLookup;
  /** @defaultValue {@link isPrivateAddress} */
  readonly isPrivate?: (address: string) => boolean;
}

/** What {@link checkHost} found for a URL's host. */
export type HostCheck =
  /** The host is an IP address or `localhost`: whoever allowed the URL named the address itself. */
  | { readonly kind: 'named' }
  /** Resolved once, every address public: connect to `address` (the first) and nowhere else. */
  | { readonly kind: 'public'; readonly address: PinnedAddress }
  /** Resolved to no address, or to at least one private address. */
  | { readonly kind: 'private' };

/**
 * Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified, multicast and reserved
 * ranges: addresses a DNS name must not lead to, so that whoever controls a name's answer cannot reach the
 * machine's own network through an allowance that meant a public server.
 */
const RANGES_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const RANGES_V6: ReadonlyArray<readonly [string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const PRIVATE = new BlockList();
for (const [network, bits] of RANGES_V4) PRIVATE.addSubnet(network, bits, 'ipv4');
for (const [network, bits] of RANGES_V6) PRIVATE.addSubnet(network, bits, 'ipv6');

/** Whether `address` (IPv4 or IPv6, IPv4-mapped, -compatible and NAT64 forms included) is a private one. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true; // not an address: nothing to trust
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) return PRIVATE.check(embedded, 'ipv4') || embedded === '0.0.0.0';
  return PRIVATE.check(address, 'ipv6');
}

/** The IPv4 address inside `::ffff:a.b.c.d` (mapped), `::a.b.c.d` (compatible) or `64:ff9b::a.b.c.d` (NAT64). */
function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address.split('%')[0]);
  if (groups === undefined) return undefined;
  const high = groups.slice(0, 5).every((g) => g === 0);
  const mapped = high && groups[5] === 0xffff;
  const compatible = high && groups[5] === 0 && (groups[6] !== 0 || groups[7] > 1);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/** The 8 groups of an IPv6 address (a trailing dotted IPv4 part included), or undefined. */
function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const groups = tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** A URL's host without the brackets of an IPv6 literal. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Whether a URL's host names an address itself (an IP literal or `localhost`) rather than a DNS name. */
export function namesAddress(url: URL): boolean {
  const host = bareHostname(url);
  return isIP(host) !== 0 || host === 'localhost';
}

const systemLookup: HostLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Resolves a URL's host once and judges every address it has. Connect to the `'public'` answer's address with
 * `fetchWithLimits(url, { connectTo })`: resolving again at connection time would let a DNS server answer a
 * public address to this check and a loopback one to the connection.
 *
 * @throws the lookup's own error when the name does not resolve (`ENOTFOUND`, ...).
 */
export async function checkHost(url: URL, options: HostCheckOptions = {}): Promise<HostCheck> {
  if (namesAddress(url)) return { kind: 'named' };
  const isPrivate = options.isPrivate ?? isPrivateAddress;
  const addresses = await (options.lookup ?? systemLookup)(bareHostname(url));
  if (addresses.length === 0 || addresses.some(({ address }) => isPrivate(address))) return { kind: 'private' };
  const [first] = addresses;
  return { kind: 'public', address: { address: first.address, family: first.family === 6 ? 6 : 4 } };
}
