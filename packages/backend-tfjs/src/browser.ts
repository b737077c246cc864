/**
 * `@yolokit/backend-tfjs` for browsers: loads TF.js graph models from URLs and runs them on webgpu, webgl
 * (import `@tensorflow/tfjs-backend-webgpu` / `-webgl` in your bundle to make them available), wasm or cpu.
 *
 * @packageDocumentation
 */
import type { ModelSource, ResolvedLoadOptions } from '@yolokit/core';
import { bytesNotSupported, type ModelLocation, locateUrl } from './model-location.js';
import type { TfjsBackendOptions } from './options.js';
import type { Platform } from './runtimes.js';
import { createTfjsBackend, type TfjsBackend } from './tfjs-backend.js';

export { TFJS_RUNTIMES, type ResolvedTfjsBackendOptions, type TfjsBackendOptions, type TfjsRuntime } from './options.js';
export type { RuntimeSelection } from './runtimes.js';
export type { TfjsBackend } from './tfjs-backend.js';
export type { TfjsSession } from './tfjs-session.js';

const browserPlatform: Platform = {
  kind: 'browser',
  importPackage: (specifier) => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier),
  defaultWasmPaths: async () => undefined,
};

/** Browsers: a model is a URL, absolute or relative to the page. */
function locateBrowserModel(source: ModelSource, requestInit: RequestInit | undefined, limits: ResolvedLoadOptions): Promise<ModelLocation> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) throw bytesNotSupported(source);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  return locateUrl(new URL(String(source instanceof URL ? source.href : source), base), requestInit, limits);
}

/**
 * Creates a TF.js backend for `createModel` in a browser. Models are loaded from URLs (the folder of an
 * Ultralytics TF.js export, or its `model.json`).
 *
 * @throws `InvalidOptionError` when an option is invalid.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-webgl';
 * import { tfjs } from '@yolokit/backend-tfjs';
 *
 * const backend = tfjs({ runtime: 'webgl' });
 * const session = await backend.load('/models/yolov8n_web_model/');
 * console.log(session.runtime); // "tfjs 4.22.0 (webgl)"
 * ```
 */
export function tfjs(options?: TfjsBackendOptions): TfjsBackend {
  return createTfjsBackend(options, browserPlatform, async (source, requestInit, limits) => locateBrowserModel(source, requestInit, limits));
}
