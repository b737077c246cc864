/**
 * What a queue worker may read on behalf of a job. Job data comes from whoever can write to the Redis, so by
 * default a worker reads no path and fetches no URL named in a job (bytes sent in the job are always fine):
 * paths only under the roots it was started with, URLs only under the prefixes it was started with.
 * @internal
 */

import { lookup } from 'node:dns/promises';
import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeValue, fetchWithLimits, InvalidOptionError, ReadLimitError } from '@yolokit/core';
import { ImageTooLargeError } from './errors.js';
import { ImageFetchError } from './image-fetch-error.js';
import { SourceNotAllowedError } from './source-not-allowed-error.js';

/** Redirects followed per image URL, each checked against the prefixes as the first URL was. */
export const MAX_REDIRECTS = 5;

/** Resolves a host name to its addresses (`dns.lookup` with `all: true`); replaceable in unit tests. */
export type HostLookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

const systemLookup: HostLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Limits of one image download. */
export interface FetchImageLimits {
  readonly maxImageBytes: number;
  readonly fetchTimeoutMs: number;
  readonly signal?: AbortSignal;
}

/** An allowed URL prefix, parsed once. */
interface UrlPrefix {
  readonly url: URL;
  /** The prefix's host is an IP address or `localhost`: it names the address itself, private or not. */
  readonly namesAddress: boolean;
}

/**
 * Addresses a URL prefix must name explicitly to be fetched from: loopback, private (RFC 1918, unique local),
 * link-local, carrier-grade NAT, unspecified, multicast and reserved ranges. A DNS name that resolves to one of
 * them (DNS rebinding, an internal name) is refused: an attacker who controls a name's DNS answer must not reach
 * the worker's own network through a prefix that meant a public server.
 */
const PRIVATE = new BlockList();
for (const [network, bits] of [
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
] as const) {
  PRIVATE.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, bits, 'ipv6');
}

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

/**
 * Checks and resolves `allowRoots`: each an existing folder, kept as its real path (symbolic links and `..`
 * resolved), so that a file is inside a root exactly when its own real path is.
 */
export function resolveAllowRoots(value: unknown, option = 'options.allowRoots'): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError(option, `${option} must be an array of folders, got ${describeValue(value)}`);
  return value.map((root, i) => {
    const name = `${option}[${i}]`;
    if (typeof root !== 'string' || root === '') throw new InvalidOptionError(name, `${name} must be a folder path, got ${describeValue(root)}`);
    let real: string;
    try {
      real = realpathSync(resolve(root));
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be resolved (${(error as Error).message})`;
      throw new InvalidOptionError(name, `${name} ${JSON.stringify(root)} ${why}: give an existing folder whose files jobs may name`);
    }
    if (!statSync(real).isDirectory()) throw new InvalidOptionError(name, `${name} ${JSON.stringify(root)} is not a folder: give the folder that holds the images`);
    return real;
  });
}

/** Checks `allowUrls`: each an absolute http(s) URL without query, fragment or credentials. */
export function resolveAllowUrls(value: unknown, option = 'options.allowUrls'): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidOptionError(option, `${option} must be an array of URL prefixes, got ${describeValue(value)}`);
  return value.map((prefix, i) => {
    const name = `${option}[${i}]`;
    let url: URL | undefined;
    try {
      url = typeof prefix === 'string' ? new URL(prefix) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InvalidOptionError(name, `${name} must be an absolute http: or https: URL such as 'https://images.example.com/uploads/', got ${describeValue(prefix)}`);
    }
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new InvalidOptionError(name, `${name} must be a URL prefix without query, fragment or credentials, got ${JSON.stringify(prefix)}`);
    }
    return url.href;
  });
}

/** Whether `path` (a real path) is `root` or inside it. */
function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Where the worker may read from, and the reads themselves: {@link SourcePolicy.checkPath} for paths and `file:`
 * URLs, {@link SourcePolicy.fetchImage} for http(s) URLs (redirects followed one by one, each checked).
 */
export class SourcePolicy {
  readonly #roots: readonly string[];
  readonly #prefixes: readonly UrlPrefix[];
  readonly #lookup: HostLookup;

  /** `roots` as {@link resolveAllowRoots} returns them; `prefixes` as {@link resolveAllowUrls} does. */
  constructor(roots: readonly string[], prefixes: readonly string[], hostLookup: HostLookup = systemLookup) {
    this.#roots = roots;
    this.#prefixes = prefixes.map((href) => {
      const url = new URL(href);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      return { url, namesAddress: isIP(host) !== 0 || host === 'localhost' };
    });
    this.#lookup = hostLookup;
  }

  /**
   * The real path of `path` (a path or a `file:` URL) when it lies under an allowed root; `SourceNotAllowedError`
   * otherwise, the same whether the file exists or not. A missing file under a root is left for the reader to
   * report as missing.
   */
  async checkPath(path: string): Promise<string> {
    if (this.#roots.length === 0) throw new SourceNotAllowedError('path');
    let absolute: string;
    try {
      absolute = resolve(path.startsWith('file:') ? fileURLToPath(path) : path);
    } catch {
      throw new SourceNotAllowedError('path');
    }
    // The real path of the nearest existing ancestor, plus what does not exist yet: so a missing file tells
    // nothing unless where it would be is inside a root.
    let real: string | undefined;
    let rest = '';
    for (let at = absolute; real === undefined; ) {
      try {
        real = await realpath(at);
      } catch {
        const parent = dirname(at);
        if (parent === at) throw new SourceNotAllowedError('path');
        rest = rest === '' ? at.slice(parent.length).replace(/^[/\\]/, '') : `${at.slice(parent.length).replace(/^[/\\]/, '')}${sep}${rest}`;
        at = parent;
      }
    }
    const full = rest === '' ? real : resolve(real, rest);
    if (!this.#roots.some((root) => isInside(full, root))) throw new SourceNotAllowedError('path');
    return full;
  }

  /** The prefix `url` falls under, or undefined. */
  #prefixOf(url: URL): UrlPrefix | undefined {
    return this.#prefixes.find(({ url: prefix }) => {
      if (url.origin !== prefix.origin || url.username !== '' || url.password !== '') return false;
      const path = prefix.pathname;
      return url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    });
  }

  /** Throws `SourceNotAllowedError` unless `url` is under a prefix and its host may be reached. */
  async #checkUrl(url: URL): Promise<void> {
    const prefix = this.#prefixOf(url);
    if (prefix === undefined) throw new SourceNotAllowedError('url');
    if (prefix.namesAddress) return;
    let addresses: ReadonlyArray<{ address: string }>;
    try {
      addresses = await this.#lookup(url.hostname.replace(/^\[|\]$/g, ''));
    } catch (error) {
      throw new ImageFetchError(url.href, undefined, `cannot fetch image ${url.href}: its host does not resolve (${(error as Error).message})`, { cause: error });
    }
    if (addresses.length === 0 || addresses.some(({ address }) => isPrivateAddress(address))) throw new SourceNotAllowedError('url');
  }

  /**
   * Downloads an image URL under an allowed prefix with core's `fetchWithLimits` (the byte limit enforced while
   * streaming, one deadline for the whole download), following up to {@link MAX_REDIRECTS} redirects by hand so
   * that each target is checked as the first URL was.
   */
  async fetchImage(href: string, limits: FetchImageLimits): Promise<Uint8Array> {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      throw new SourceNotAllowedError('url');
    }
    const deadline = performance.now() + limits.fetchTimeoutMs;
    for (let redirects = 0; ; redirects++) {
      await this.#checkUrl(url);
      const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
      let fetched: Awaited<ReturnType<typeof fetchWithLimits>>;
      try {
        fetched = await fetchWithLimits(url, { maxBytes: limits.maxImageBytes, timeoutMs, signal: limits.signal, init: { redirect: 'manual' } });
      } catch (error) {
        if (limits.signal?.aborted) throw limits.signal.reason;
        if (error instanceof ReadLimitError && error.reason === 'too-large') {
          throw new ImageTooLargeError(error.size ?? limits.maxImageBytes + 1, limits.maxImageBytes, `image ${href}`);
        }
        if (error instanceof ReadLimitError && error.reason === 'timed-out') {
          // A server that answers but does not finish is an image problem, not a hiccup worth retrying.
          throw new ImageFetchError(href, undefined, `cannot fetch image ${href}: the download did not finish within ${limits.fetchTimeoutMs} ms (fetchTimeoutMs)`, {
            cause: error,
            retryable: false,
          });
        }
        throw new ImageFetchError(href, undefined, `cannot fetch image ${href}: ${(error as Error).message}`, { cause: error });
      }
      if (fetched.ok) return fetched.bytes;
      const location = fetched.headers.get('location');
      if (fetched.status >= 300 && fetched.status < 400 && location !== null) {
        if (redirects >= MAX_REDIRECTS) {
          throw new ImageFetchError(href, fetched.status, `cannot fetch image ${href}: more than ${MAX_REDIRECTS} redirects`, { retryable: false });
        }
        try {
          url = new URL(location, url);
        } catch {
          throw new SourceNotAllowedError('url');
        }
        continue;
      }
      throw new ImageFetchError(href, fetched.status, `cannot fetch image ${href}: HTTP ${fetched.status} ${fetched.statusText}`);
    }
  }
}
