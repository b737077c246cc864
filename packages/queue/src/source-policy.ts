/**
 * What a queue worker may read on behalf of a job. Job data comes from whoever can write to the Redis, so by
 * default a worker reads no path and fetches no URL named in a job (bytes sent in the job are always fine):
 * paths only under the roots it was started with, URLs only under the prefixes it was started with.
 * @internal
 */

import { realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeValue, fetchWithLimits, InvalidOptionError, type PinnedAddress, ReadLimitError } from '@yolokit/core';
import { checkHost, type HostCheckOptions } from '@yolokit/core/internal';
import { ImageTooLargeError } from './errors.js';
import { ImageFetchError } from './image-fetch-error.js';
import { SourceNotAllowedError } from './source-not-allowed-error.js';

/** Redirects followed per image URL, each checked against the prefixes as the first URL was. */
export const MAX_REDIRECTS = 5;

/** Limits of one image download. */
export interface FetchImageLimits {
  readonly maxImageBytes: number;
  readonly fetchTimeoutMs: number;
  readonly signal?: AbortSignal;
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
  readonly #prefixes: readonly URL[];
  readonly #hostCheck: HostCheckOptions;

  /**
   * `roots` as {@link resolveAllowRoots} returns them; `prefixes` as {@link resolveAllowUrls} does. `hostCheck`
   * replaces the DNS lookup and the private-address test, for tests only.
   */
  constructor(roots: readonly string[], prefixes: readonly string[], hostCheck: HostCheckOptions = {}) {
    this.#roots = roots;
    this.#prefixes = prefixes.map((href) => new URL(href));
    this.#hostCheck = hostCheck;
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
  #prefixOf(url: URL): URL | undefined {
    return this.#prefixes.find((prefix) => {
      if (url.origin !== prefix.origin || url.username !== '' || url.password !== '') return false;
      const path = prefix.pathname;
      return url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    });
  }

  /**
   * Throws `SourceNotAllowedError` unless `url` is under a prefix and its host may be reached. Returns the
   * address to connect to when the host is a DNS name (resolved once here, every address public), undefined when
   * the prefix names the address itself (an IP address or `localhost`, private or not: the operator listed it).
   */
  async #checkUrl(url: URL): Promise<PinnedAddress | undefined> {
    if (this.#prefixOf(url) === undefined) throw new SourceNotAllowedError('url');
    let host: Awaited<ReturnType<typeof checkHost>>;
    try {
      host = await checkHost(url, this.#hostCheck);
    } catch (error) {
      throw new ImageFetchError(url.href, undefined, `cannot fetch image ${url.href}: its host does not resolve (${(error as Error).message})`, { cause: error });
    }
    if (host.kind === 'private') throw new SourceNotAllowedError('url');
    return host.kind === 'public' ? host.address : undefined;
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
      // The address checked is the address connected to: no second DNS answer (rebinding) is asked for.
      const connectTo = await this.#checkUrl(url);
      const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
      let fetched: Awaited<ReturnType<typeof fetchWithLimits>>;
      try {
        fetched = await fetchWithLimits(url, { maxBytes: limits.maxImageBytes, timeoutMs, signal: limits.signal, init: { redirect: 'manual' }, connectTo });
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
