import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError, type ModelSource, type ResolvedLoadOptions, readRegularFile } from '@yolokit/core';
import { bytesNotSupported, FileMissingError, type ModelLocation, locateUrl, ReadBudget } from './model-location.js';

/**
 * Node: a folder path, a path to `model.json`, a `file:` URL, or an http(s) URL (fetched). Files are read from
 * disk and loaded from memory, so no tfjs-node (and no TF.js file:// handler) is needed.
 */
export async function locateNodeModel(source: ModelSource, requestInit: RequestInit | undefined, limits: ResolvedLoadOptions): Promise<ModelLocation> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) throw bytesNotSupported(source);
  let path: string;
  if (source instanceof URL || (typeof source === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(source))) {
    const url = new URL(source);
    if (url.protocol === 'http:' || url.protocol === 'https:') return locateUrl(url, requestInit, limits);
    if (url.protocol !== 'file:') {
      throw new ModelLoadError('MODEL_INVALID', url.href, `cannot load a TF.js model from ${url.protocol} URLs; give a path or an http(s) URL`);
    }
    path = fileURLToPath(url);
  } else if (typeof source === 'string' && source !== '') {
    path = resolve(source);
  } else {
    throw new ModelLoadError('MODEL_INVALID', String(source), `a TF.js model source must be a folder path or URL, got ${String(source)}`);
  }

  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' || code === 'ENOTDIR' ? 'the path does not exist' : `it cannot be read (${code ?? (error as Error).message})`;
    throw new ModelLoadError(
      'MODEL_NOT_FOUND',
      path,
      `no TF.js model at ${path}: ${what}. Give the folder of an Ultralytics TF.js export (yolo export format=tfjs makes *_web_model/) or its model.json.`,
      { cause: error },
    );
  }
  const modelJson = isFolder ? join(path, 'model.json') : path;
  const folder = dirname(modelJson);
  // One budget for every file of the model: LoadOptions.maxBytes bounds their sum.
  const budget = new ReadBudget(limits.maxBytes);
  const read = (file: string) => budget.spend(() => readBytes(file, budget.remaining, limits.signal));
  return { modelJson, readModelJson: () => read(modelJson), read: (relative) => read(resolve(folder, relative)) };
}

async function readBytes(file: string, maxBytes: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
  try {
    // Regular files only: a FIFO named model.json would hold a libuv thread until a writer came.
    return await readRegularFile(file, { maxBytes, signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileMissingError(file, `${file} does not exist`, { cause: error });
    throw error;
  }
}
