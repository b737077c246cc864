import { ModelLoadError, type ModelSource } from '@yolokit/core';

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

/** How each entry of the package turns a {@link ModelSource} into a {@link ModelLocation}. */
export type LocateModel = (source: ModelSource, requestInit: RequestInit | undefined) => Promise<ModelLocation>;

/** The `model.json` URL for a URL that names either the file or its folder. */
export function modelJsonUrl(url: URL): URL {
  if (/\.json$/i.test(url.pathname)) return url;
  const folder = new URL(url.href);
  if (!folder.pathname.endsWith('/')) folder.pathname += '/';
  return new URL('model.json', folder);
}

/** Reads a model over http(s) with `fetch`. The model.json is fetched first so a wrong URL fails early. */
export async function locateUrl(url: URL, requestInit: RequestInit | undefined): Promise<ModelLocation> {
  const jsonUrl = modelJsonUrl(url);
  const fetchBytes = async (target: URL): Promise<Uint8Array> => {
    let response: Response;
    try {
      response = await fetch(target, requestInit);
    } catch (error) {
      throw new FileMissingError(target.href, `could not fetch ${target.href}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      throw new FileMissingError(target.href, `fetching ${target.href} answered HTTP ${response.status} ${response.statusText}`.trim());
    }
    return new Uint8Array(await response.arrayBuffer());
  };
  let jsonBytes: Uint8Array;
  try {
    jsonBytes = await fetchBytes(jsonUrl);
  } catch (error) {
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
