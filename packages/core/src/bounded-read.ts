import { AbortError } from './errors.js';

/** Why {@link readRegularFile} or {@link fetchWithLimits} refused a source. */
export type ReadLimitReason = 'not-a-regular-file' | 'too-large' | 'timed-out';

/**
 * A file or download refused by {@link readRegularFile} or {@link fetchWithLimits}: not a regular file, more bytes
 * than allowed, or too slow. Not a `YoloError`: each caller wraps it in its own typed error (an image's
 * `ImageDecodeError`, a model's `ModelLoadError`), with this message and the option that sets the limit.
 */
export class ReadLimitError extends Error {
  readonly reason: ReadLimitReason;
  /** For `'too-large'`: the size found (declared by the file or the server, or the bytes seen so far). */
  readonly size: number | undefined;
  /** The limit that was exceeded: bytes for `'too-large'`, milliseconds for `'timed-out'`. */
  readonly limit: number | undefined;
  constructor(reason: ReadLimitReason, message: string, details: { size?: number; limit?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ReadLimitError';
    this.reason = reason;
    this.size = details.size;
    this.limit = details.limit;
  }
}

/** `2147483648 bytes (2.0 GiB)`: exact for the reader who compares, rounded for the one who skims. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = '';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit === '' ? `${bytes} bytes` : `${bytes} bytes (${value.toFixed(1)} ${unit})`;
}

/** Options of {@link readRegularFile}. */
export interface ReadRegularFileOptions {
  /** Most bytes to read; a larger file is refused before any is read. */
  readonly maxBytes: number;
  /** Stops the read between chunks. */
  readonly signal?: AbortSignal;
}

/** Read in chunks of this size once the size from `fstat` is used up (a file that grows while read). */
const CHUNK_BYTES = 1 << 20;

/**
 * `node:fs/promises`, imported on first use. The specifier is a variable so that browser bundles of the shared
 * entry never try to resolve it (esbuild fails on a literal `node:` import; webpack and Vite are told to leave
 * it alone by the comments); the function itself only runs in Node.
 */
const nodeFs = 'node:fs/promises';
let fsModule: Promise<typeof import('node:fs/promises')> | undefined;
function loadFs(): Promise<typeof import('node:fs/promises')> {
  fsModule ??= import(/* webpackIgnore: true */ /* @vite-ignore */ nodeFs) as Promise<typeof import('node:fs/promises')>;
  return fsModule;
}

/**
 * Reads a regular file, at most `maxBytes` of it (Node only). The file is opened with `O_NONBLOCK`, so opening
 * a FIFO returns at once instead of waiting for a writer (which would hold a libuv thread forever), and what
 * was opened is checked with `fstat`: anything but a regular file (a FIFO, a device such as `/dev/zero`, a
 * socket) is refused before a byte is read, and so is a file larger than `maxBytes`. Reading stops at
 * `maxBytes` even if the file grows meanwhile.
 *
 * @throws {@link ReadLimitError} for what is not a regular file or is too large; Node's own errors (`ENOENT`,
 *   `EACCES`, `EISDIR` for a folder, ...) as they are; `AbortError` when `options.signal` aborts.
 */
export async function readRegularFile(path: string | URL, options: ReadRegularFileOptions): Promise<Uint8Array> {
  const { maxBytes, signal } = options;
  const label = path instanceof URL ? path.href : path;
  checkAborted(signal, label);
  const fs = await loadFs();
  const handle = await fs.open(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      // The same error readFile gives for a folder, so callers keep one way of saying "it is a folder".
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${label}'`), { code: 'EISDIR', path: label });
    }
    if (!stats.isFile()) {
      throw new ReadLimitError('not-a-regular-file', `it is ${fileKind(stats)}, not a regular file; only regular files are read`);
    }
    if (stats.size > maxBytes) throw tooLarge(stats.size, maxBytes, (size) => `it is ${size}`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    // The size fstat gave first (one read for an unchanged file), then chunks while the file keeps growing.
    let want = stats.size;
    for (;;) {
      checkAborted(signal, label);
      const room = maxBytes - total;
      const chunk = new Uint8Array(Math.max(1, Math.min(want > 0 ? want : CHUNK_BYTES, room + 1)));
      let filled = 0;
      while (filled < chunk.byteLength) {
        const { bytesRead } = await handle.read(chunk, filled, chunk.byteLength - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      total += filled;
      if (total > maxBytes) throw tooLarge(total, maxBytes, (size) => `reading was stopped at ${size} (more than its size said)`);
      if (filled > 0) chunks.push(filled === chunk.byteLength ? chunk : chunk.subarray(0, filled));
      if (filled < chunk.byteLength) break;
      want = 0;
    }
    return chunks.length === 1 ? chunks[0] : concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Options of {@link fetchWithLimits}. */
export interface FetchLimits {
  /** Most bytes of body to accept: a larger `Content-Length` is refused before the body is read, and reading stops past it. */
  readonly maxBytes: number;
  /** Time for the whole download (answer and body); no deadline when left out. */
  readonly timeoutMs?: number;
  /** Cancels the download. */
  readonly signal?: AbortSignal;
  /** Passed to `fetch` (headers, credentials, ...); its own `signal`, if any, also cancels. */
  readonly init?: RequestInit;
  /**
   * Node only: connect to this address, which the caller resolved and checked, instead of resolving the URL's
   * host again (the `Host` header and the TLS server name stay the URL's host). The request is then a `GET` made
   * with `node:http`/`node:https` on a connection of its own, with `init.headers` only, and a redirect is returned
   * as its status and headers (as `redirect: 'manual'` would), never followed.
   */
  readonly connectTo?: PinnedAddress;
}

/** An IP address to connect to, as `dns.lookup` gives it. */
export interface PinnedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** What {@link fetchWithLimits} got: the body of a 2xx answer, or the status of any other. */
export type FetchedBytes =
  | { readonly ok: true; readonly bytes: Uint8Array }
  /** `headers` are the answer's (a redirect's `Location`, when `init.redirect` is `'manual'`). */
  | { readonly ok: false; readonly status: number; readonly statusText: string; readonly headers: Headers };

/**
 * Downloads a URL with a byte limit enforced while streaming (never after buffering) and a deadline for the
 * whole transfer. A non-2xx answer is returned as its status, its body cancelled.
 *
 * @throws {@link ReadLimitError} `'too-large'` or `'timed-out'`; `fetch`'s own errors for network failures;
 *   the signal's reason (or an `AbortError`) when `limits.signal` aborts.
 */
export async function fetchWithLimits(url: string | URL, limits: FetchLimits): Promise<FetchedBytes> {
  const { maxBytes, timeoutMs, signal, init } = limits;
  const controller = new AbortController();
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(timeoutError(timeoutMs));
        }, timeoutMs);
  const callers = [signal, init?.signal ?? undefined].filter((s): s is AbortSignal => s !== undefined);
  const forward = (source: AbortSignal) => () => controller.abort(source.reason);
  const listeners = callers.map((source) => {
    const listener = forward(source);
    if (source.aborted) listener();
    else source.addEventListener('abort', listener, { once: true });
    return { source, listener };
  });
  try {
    const response = limits.connectTo
      ? await requestPinned(new URL(url), limits.connectTo, init?.headers, controller.signal)
      : await fetch(url, { ...init, signal: controller.signal });
    if (!response.ok) {
      // The body of an error page is of no use; cancelling frees the connection.
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, status: response.status, statusText: response.statusText, headers: response.headers };
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(declared, maxBytes, (size) => `its Content-Length is ${size}`);
    }
    if (!response.body) return { ok: true, bytes: new Uint8Array(await response.arrayBuffer()) };
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(total, maxBytes, (size) => `the download was stopped at ${size}`);
      }
      chunks.push(value);
    }
    return { ok: true, bytes: chunks.length === 1 ? chunks[0] : concat(chunks, total) };
  } catch (error) {
    if (timedOut) {
      if (error instanceof ReadLimitError) throw error;
      throw timeoutError(timeoutMs as number, error);
    }
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    for (const { source, listener } of listeners) source.removeEventListener('abort', listener);
  }
}

/** `node:http`, `node:https` and `node:stream`, imported on first use (as `node:fs/promises`, and for the same reason). */
const nodeHttp = 'node:http';
const nodeHttps = 'node:https';
const nodeStream = 'node:stream';

/**
 * A GET of `url` over a connection to `to`, whatever the URL's host resolves to now, as a `Response`. Every
 * connection is new (`agent: false`): a pooled one could have been opened to another address for the same host.
 */
async function requestPinned(url: URL, to: PinnedAddress, headers: HeadersInit | undefined, signal: AbortSignal): Promise<Response> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`cannot fetch ${url.protocol} URLs, only http: and https:`);
  const [http, stream] = await Promise.all([
    import(/* webpackIgnore: true */ /* @vite-ignore */ url.protocol === 'https:' ? nodeHttps : nodeHttp) as Promise<typeof import('node:https')>,
    import(/* webpackIgnore: true */ /* @vite-ignore */ nodeStream) as Promise<typeof import('node:stream')>,
  ]);
  const pinnedLookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
    if (options.all) callback(null, [{ address: to.address, family: to.family }]);
    else callback(null, to.address, to.family);
  };
  const outgoing: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    outgoing[name] = value;
  });
  return new Promise<Response>((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'GET',
        headers: outgoing,
        agent: false,
        lookup: pinnedLookup as unknown as import('node:net').LookupFunction,
        signal,
      },
      (message) => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(message.headers)) {
          for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, item);
        }
        const status = message.statusCode ?? 0;
        const empty = status === 204 || status === 205 || status === 304;
        if (empty) message.resume();
        try {
          const body = empty ? null : (stream.Readable.toWeb(message) as ReadableStream<Uint8Array>);
          resolve(new Response(body, { status, statusText: message.statusMessage ?? '', headers: answer }));
        } catch (error) {
          // A status Response cannot carry (1xx, > 599): an answer no image comes from.
          message.destroy();
          reject(new TypeError(`${url.href} answered status ${status}`, { cause: error }));
        }
      },
    );
    request.once('error', reject);
    request.end();
  });
}

function tooLarge(size: number, maxBytes: number, phrase: (size: string) => string): ReadLimitError {
  return new ReadLimitError('too-large', `${phrase(formatBytes(size))}, more than the limit of ${formatBytes(maxBytes)}`, {
    size,
    limit: maxBytes,
  });
}

function timeoutError(timeoutMs: number, cause?: unknown): ReadLimitError {
  return new ReadLimitError('timed-out', `it timed out: the download did not finish within ${timeoutMs} ms`, { limit: timeoutMs, cause });
}

function fileKind(stats: import('node:fs').Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

function checkAborted(signal: AbortSignal | undefined, label: string): void {
  if (signal?.aborted) throw new AbortError(`reading ${label} was aborted`, { cause: signal.reason });
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
