import {
  AbortError,
  DEFAULT_MAX_MODEL_BYTES,
  DEFAULT_MODEL_TIMEOUT_MS,
  describeValue,
  type FetchedBytes,
  fetchWithLimits,
  InvalidOptionError,
  type ModelSource,
  ModelLoadError,
  ReadLimitError,
  throwIfAborted,
} from '@yolokit/core';
import { formatBytes } from '@yolokit/core/internal';

/**
 * Reads a local regular file, at most `maxBytes` (core's `readRegularFile`, which refuses FIFOs and devices
 * with a `ReadLimitError`). The Node entry passes it; the web entry passes it only when it runs in Node, so
 * that this module never reads files in a browser.
 */
export type FileReader = (path: string | URL, options: { readonly signal?: AbortSignal; readonly maxBytes: number }) => Promise<Uint8Array>;

/** A model's bytes and a short description of where they came from, for error messages. */
export interface ModelBytes {
  readonly bytes: Uint8Array;
  /** The path or URL as given, or `<Uint8Array 1234 bytes>`. */
  readonly source: string;
}

export interface ReadModelSourceOptions {
  readonly signal?: AbortSignal;
  /** Reads paths and `file:` URLs; without it, strings are URLs resolved by `fetch` (browsers). */
  readonly readFile?: FileReader;
  /** Most bytes of the model (a file, a download, or bytes given). @defaultValue `DEFAULT_MAX_MODEL_BYTES` */
  readonly maxBytes?: number;
  /** Milliseconds a download may take, answer and body. @defaultValue `DEFAULT_MODEL_TIMEOUT_MS` */
  readonly timeoutMs?: number;
}

const SCHEME = /^[a-z][a-z\d+.-]*:/i;
// A Windows drive path (C:\models\a.onnx) also starts with "letter colon"; URLs we accept have longer schemes.
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/**
 * Gets the bytes of a model source, once: a path, a `file:` / `http(s):` / `data:` / `blob:` URL (as a string
 * or a `URL`), a `Uint8Array` (used as is, not copied) or an `ArrayBuffer`.
 *
 * @throws `ModelLoadError` `MODEL_NOT_FOUND` when nothing can be read there (or a download times out),
 *   `MODEL_INVALID` for a model over `maxBytes` or a path that is not a regular file (a FIFO, a device),
 *   `InvalidOptionError` for a source of the wrong type, `AbortError` when `options.signal` aborts.
 */
export async function readModelSource(source: ModelSource, options: ReadModelSourceOptions = {}): Promise<ModelBytes> {
  const { signal, readFile } = options;
  const limits: Limits = { signal, maxBytes: options.maxBytes ?? DEFAULT_MAX_MODEL_BYTES, timeoutMs: options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS };
  throwIfAborted(signal);
  if (source instanceof Uint8Array) return checkedBytes(source, `<Uint8Array ${source.byteLength} bytes>`, limits.maxBytes);
  if (isArrayBuffer(source)) return checkedBytes(new Uint8Array(source), `<ArrayBuffer ${source.byteLength} bytes>`, limits.maxBytes);
  if (ArrayBuffer.isView(source)) {
    const view = source as ArrayBufferView;
    return checkedBytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), `<${view.constructor.name} ${view.byteLength} bytes>`, limits.maxBytes);
  }
  let url: URL | undefined;
  if (source instanceof URL) url = source;
  else if (typeof source === 'string') {
    if (source.trim() === '') throw new InvalidOptionError('source', 'the model source is an empty string; pass a path, a URL or the model bytes');
    if (SCHEME.test(source) && !WINDOWS_DRIVE.test(source)) {
      try {
        url = new URL(source);
      } catch (error) {
        throw new InvalidOptionError('source', `the model source ${JSON.stringify(source)} looks like a URL but does not parse as one: ${(error as Error).message}`);
      }
    }
  } else {
    throw new InvalidOptionError('source', `the model source must be a file path, a URL, a Uint8Array or an ArrayBuffer, got ${describeValue(source)}`);
  }

  if (url === undefined) {
    const path = source as string;
    const bytes = readFile ? await readLocalFile(readFile, path, path, limits) : await fetchBytes(path, path, limits);
    return { bytes, source: path };
  }
  if (url.protocol === 'file:') {
    if (!readFile) {
      throw new ModelLoadError('MODEL_NOT_FOUND', url.href, `cannot read ${url.href}: file: URLs can only be read in Node; in a browser serve the model over http(s) or pass its bytes`);
    }
    return { bytes: await readLocalFile(readFile, url, url.href, limits), source: url.href };
  }
  return { bytes: await fetchBytes(url.href, url.href, limits), source: url.href };
}

interface Limits {
  readonly signal: AbortSignal | undefined;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

function checkedBytes(bytes: Uint8Array, label: string, maxBytes: number): ModelBytes {
  if (bytes.byteLength > maxBytes) {
    throw new ModelLoadError('MODEL_INVALID', label, `model ${label} is ${formatBytes(bytes.byteLength)}, more than the limit of ${formatBytes(maxBytes)}${RAISE_LIMIT}`);
  }
  return { bytes, source: label };
}

const RAISE_LIMIT = " (LoadOptions.maxBytes: createModel's maxModelBytes); raise it if this is really the model";

/** A file refused for what it is (a FIFO, a device) or its size: the model is not usable as given. */
function refusedFile(error: ReadLimitError, label: string): ModelLoadError {
  const hint = error.reason === 'too-large' ? RAISE_LIMIT : '; pass the path of the .onnx file itself';
  return new ModelLoadError('MODEL_INVALID', label, `model file ${label} is refused: ${error.message}${hint}`, { cause: error });
}

async function readLocalFile(readFile: FileReader, path: string | URL, label: string, limits: Limits): Promise<Uint8Array> {
  const { signal, maxBytes } = limits;
  try {
    return await readFile(path, { signal, maxBytes });
  } catch (error) {
    if (isAbort(error, signal)) throw new AbortError(`loading ${label} was aborted`, { cause: signal?.reason ?? error });
    if (error instanceof ReadLimitError) throw refusedFile(error, label);
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ModelLoadError(
        'MODEL_NOT_FOUND',
        label,
        `model file not found: ${label}${relativeHint(path)}. Check the path, or export a model with Ultralytics (yolo export model=yolov8n.pt format=onnx) and pass the .onnx file.`,
        { cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new ModelLoadError('MODEL_INVALID', label, `${label} is a directory; pass the .onnx file itself`, { cause: error });
    }
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message;
    throw new ModelLoadError('MODEL_NOT_FOUND', label, `model file ${label} cannot be read (${reason}); check that it exists and is readable`, { cause: error });
  }
}

async function fetchBytes(url: string, label: string, limits: Limits): Promise<Uint8Array> {
  const { signal, maxBytes, timeoutMs } = limits;
  let fetched: FetchedBytes;
  try {
    // Both limits hold while the body streams in: a slow or endless body is cut off, not buffered.
    fetched = await fetchWithLimits(url, { maxBytes, timeoutMs, signal });
  } catch (error) {
    if (isAbort(error, signal)) throw new AbortError(`downloading ${label} was aborted`, { cause: signal?.reason ?? error });
    if (error instanceof ReadLimitError && error.reason === 'too-large') {
      throw new ModelLoadError('MODEL_INVALID', label, `the model at ${label} is refused: ${error.message}${RAISE_LIMIT}`, { cause: error });
    }
    if (error instanceof ReadLimitError) {
      throw new ModelLoadError(
        'MODEL_NOT_FOUND',
        label,
        `could not download the model from ${label}: ${error.message} (LoadOptions.timeoutMs: createModel's modelTimeoutMs); check the network, or raise the limit for a large model on a slow link`,
        { cause: error },
      );
    }
    const detail = (error as Error).cause instanceof Error ? `${(error as Error).message}: ${((error as Error).cause as Error).message}` : (error as Error).message;
    throw new ModelLoadError('MODEL_NOT_FOUND', label, `could not download the model from ${label} (${detail}); check the URL and the network`, { cause: error });
  }
  if (!fetched.ok) {
    throw new ModelLoadError(
      'MODEL_NOT_FOUND',
      label,
      `could not download the model from ${label}: HTTP ${fetched.status}${fetched.statusText ? ` ${fetched.statusText}` : ''}; check the URL`,
    );
  }
  return fetched.bytes;
}

function relativeHint(path: string | URL): string {
  if (typeof path !== 'string' || path.startsWith('/') || WINDOWS_DRIVE.test(path) || path.startsWith('\\\\')) return '';
  const cwd = typeof process !== 'undefined' && typeof process.cwd === 'function' ? process.cwd() : undefined;
  return cwd ? ` (relative paths are resolved against the working directory, ${cwd})` : '';
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === 'AbortError');
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  // instanceof fails for buffers from another realm (a worker, a vm context); the tag does not.
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}
