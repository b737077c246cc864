import { AbortError, describeValue, InvalidOptionError, type ModelSource, ModelLoadError, throwIfAborted } from '@yolokit/core';

/**
 * Reads a local file. The Node entry passes `fs.readFile`; the web entry passes one only when it runs in Node,
 * so that this module imports no Node built-in and bundles for browsers as is.
 */
export type FileReader = (path: string | URL, signal: AbortSignal | undefined) => Promise<Uint8Array>;

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
}

const SCHEME = /^[a-z][a-z\d+.-]*:/i;
// A Windows drive path (C:\models\a.onnx) also starts with "letter colon"; URLs we accept have longer schemes.
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/**
 * Gets the bytes of a model source, once: a path, a `file:` / `http(s):` / `data:` / `blob:` URL (as a string
 * or a `URL`), a `Uint8Array` (used as is, not copied) or an `ArrayBuffer`.
 *
 * @throws `ModelLoadError` `MODEL_NOT_FOUND` when nothing can be read there, `InvalidOptionError` for a source
 *   of the wrong type, `AbortError` when `options.signal` aborts.
 */
export async function readModelSource(source: ModelSource, options: ReadModelSourceOptions = {}): Promise<ModelBytes> {
  const { signal, readFile } = options;
  throwIfAborted(signal);
  if (source instanceof Uint8Array) return { bytes: source, source: `<Uint8Array ${source.byteLength} bytes>` };
  if (isArrayBuffer(source)) return { bytes: new Uint8Array(source), source: `<ArrayBuffer ${source.byteLength} bytes>` };
  if (ArrayBuffer.isView(source)) {
    const view = source as ArrayBufferView;
    return { bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength), source: `<${view.constructor.name} ${view.byteLength} bytes>` };
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
    const bytes = readFile ? await readLocalFile(readFile, path, path, signal) : await fetchBytes(path, path, signal);
    return { bytes, source: path };
  }
  if (url.protocol === 'file:') {
    if (!readFile) {
      throw new ModelLoadError('MODEL_NOT_FOUND', url.href, `cannot read ${url.href}: file: URLs can only be read in Node; in a browser serve the model over http(s) or pass its bytes`);
    }
    return { bytes: await readLocalFile(readFile, url, url.href, signal), source: url.href };
  }
  return { bytes: await fetchBytes(url.href, url.href, signal), source: url.href };
}

async function readLocalFile(readFile: FileReader, path: string | URL, label: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  try {
    return await readFile(path, signal);
  } catch (error) {
    if (isAbort(error, signal)) throw new AbortError(`loading ${label} was aborted`, { cause: signal?.reason ?? error });
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

async function fetchBytes(url: string, label: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (isAbort(error, signal)) throw new AbortError(`downloading ${label} was aborted`, { cause: signal?.reason ?? error });
    const detail = (error as Error).cause instanceof Error ? `${(error as Error).message}: ${((error as Error).cause as Error).message}` : (error as Error).message;
    throw new ModelLoadError('MODEL_NOT_FOUND', label, `could not download the model from ${label} (${detail}); check the URL and the network`, { cause: error });
  }
  if (!response.ok) {
    // Drain nothing: the body of an error page is of no use and cancelling frees the connection.
    await response.body?.cancel().catch(() => undefined);
    throw new ModelLoadError(
      'MODEL_NOT_FOUND',
      label,
      `could not download the model from ${label}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; check the URL`,
    );
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (isAbort(error, signal)) throw new AbortError(`downloading ${label} was aborted`, { cause: signal?.reason ?? error });
    throw new ModelLoadError('MODEL_NOT_FOUND', label, `the download of ${label} broke off (${(error as Error).message}); try again`, { cause: error });
  }
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
