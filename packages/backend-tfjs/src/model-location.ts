import { fetchWithLimits, ModelLoadError, type ModelSource, ReadLimitError, type ResolvedLoadOptions } from '@yolokit/core';

/**
 * Where a TF.js graph model's files are read from: a folder on disk (Node) or a URL prefix. Paths given to
 * the read methods are relative to the folder that holds `model.json`, as the weight paths in `model.json` are.
 */
export interface ModelLocation {
  /** The `model.json` path or URL, for messages. */
  readonly modelJson: string;
  /** Reads `model.json` (which may have another name). Rejects with {@link FileMissingError} when it does not exist. */
  readModelJson(): Promise<Uint8Array>;
  /** Reads a file beside `model.json`. Rejects with {@link FileMissingError} when it does not exist. */
  read(relative: string): Promise<Uint8Array>;
}

/** A file that does not exist (ENOENT, HTTP 404/410). */
export class FileMissingError extends Error {
  constructor(
    readonly location: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * How each entry of the package turns a {@link ModelSource} into a {@link ModelLocation}. Its reads keep to
 * `limits`: every file within the bytes left of `maxBytes` (the files of a model share it), a download within
 * `timeoutMs`; what breaks a limit rejects with core's `ReadLimitError`.
 */
export type LocateModel = (source: ModelSource, requestInit: RequestInit | undefined, limits: ResolvedLoadOptions) => Promise<ModelLocation>;

/** Bytes a model's files may still take: each read gets what is left, and what it read is taken off. */
export class ReadBudget {
  #remaining: number;
  constructor(maxBytes: number) {
    this.#remaining = maxBytes;
  }
  get remaining(): number {
    return this.#remaining;
  }
  async spend(read: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const bytes = await read();
    this.#remaining -= bytes.byteLength;
    return bytes;
  }
}

/** The `model.json` URL for a URL that names either the file or its folder. */
export function modelJsonUrl(url: URL): URL {
  if (/\.json$/i.test(url.pathname)) return url;
  const folder = new URL(url.href);
  if (!folder.pathname.endsWith('/')) folder.pathname += '/';
  return new URL('model.json', folder);
}

/**
 * Reads a model over http(s) with `fetch`, each file within `limits` (bytes enforced while the body streams,
 * the deadline per file). The model.json is fetched first so a wrong URL fails early.
 */
export async function locateUrl(url: URL, requestInit: RequestInit | undefined, limits: ResolvedLoadOptions): Promise<ModelLocation> {
  const jsonUrl = modelJsonUrl(url);
  const budget = new ReadBudget(limits.maxBytes);
  const fetchBytes = (target: URL): Promise<Uint8Array> =>
    budget.spend(async () => {
      let fetched: Awaited<ReturnType<typeof fetchWithLimits>>;
      try {
        fetched = await fetchWithLimits(target, { maxBytes: budget.remaining, timeoutMs: limits.timeoutMs, signal: limits.signal, init: requestInit });
      } catch (error) {
        if (error instanceof ReadLimitError || limits.signal?.aborted) throw error;
        throw new FileMissingError(target.href, `could not fetch ${target.href}: ${(error as Error).message}`, { cause: error });
      }
      if (!fetched.ok) {
        throw new FileMissingError(target.href, `fetching ${target.href} answered HTTP ${fetched.status} ${fetched.statusText}`.trim());
      }
      return fetched.bytes;
    });
  let jsonBytes: Uint8Array;
  try {
    jsonBytes = await fetchBytes(jsonUrl);
  } catch (error) {
    if (error instanceof ReadLimitError) throw readLimitRefusal(error, jsonUrl.href, 'its model.json');
    throw new ModelLoadError(
      'MODEL_NOT_FOUND',
      url.href,
      `no TF.js model at ${url.href}: ${(error as Error).message}. Give the URL of an Ultralytics TF.js export's folder or of its model.json.`,
      { cause: error },
    );
  }
  return {
    modelJson: jsonUrl.href,
    readModelJson: async () => jsonBytes,
    read: (relative) => fetchBytes(new URL(relative, jsonUrl)),
  };
}

/**
 * A model file refused by a limit: too large (or not a regular file) is `MODEL_INVALID`, too slow a download
 * `MODEL_NOT_FOUND`, each message naming the option that sets the limit.
 */
export function readLimitRefusal(error: ReadLimitError, where: string, file: string): ModelLoadError {
  if (error.reason === 'timed-out') {
    return new ModelLoadError(
      'MODEL_NOT_FOUND',
      where,
      `could not download the TF.js model at ${where}: ${file}: ${error.message} (LoadOptions.timeoutMs: createModel's modelTimeoutMs); check the network, or raise the limit for a large model on a slow link`,
      { cause: error },
    );
  }
  const hint =
    error.reason === 'too-large'
      ? " (LoadOptions.maxBytes: createModel's maxModelBytes, for all the model's files together); raise it if this is really the model"
      : '; give the folder of the export or its model.json';
  return new ModelLoadError('MODEL_INVALID', where, `the TF.js model at ${where} is refused: ${file}: ${error.message}${hint}`, { cause: error });
}

/** A short description of a model source for messages. */
export function describeSource(source: ModelSource): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (source instanceof ArrayBuffer) return `<ArrayBuffer ${source.byteLength} bytes>`;
  if (source instanceof Uint8Array) return `<${source.constructor.name} ${source.byteLength} bytes>`;
  return `<${typeof source}>`;
}

/** TF.js graph models are several files, so bytes alone cannot be loaded. */
export function bytesNotSupported(source: ModelSource): ModelLoadError {
  return new ModelLoadError(
    'MODEL_INVALID',
    describeSource(source),
    `a TF.js graph model is a folder (model.json, weight shards, metadata.yaml), so it cannot be loaded from ${describeSource(source)}: ` +
      'give the folder path or the URL of the folder or of its model.json',
  );
}
