/**
 * `@yolokit/backend-tfjs`: runs Ultralytics TF.js graph-model exports (`yolo export format=tfjs`, a
 * `*_web_model/` folder) for `@yolokit/core`, on tfjs-node-gpu, tfjs-node, wasm or cpu. This is the Node entry;
 * browsers get `browser.ts` through the package's `browser` export condition.
 *
 * @packageDocumentation
 */
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { locateNodeModel } from './node-location.js';
import type { TfjsBackendOptions } from './options.js';
import type { Platform } from './runtimes.js';
import { createTfjsBackend, type TfjsBackend } from './tfjs-backend.js';

export { TFJS_RUNTIMES, type ResolvedTfjsBackendOptions, type TfjsBackendOptions, type TfjsRuntime } from './options.js';
export type { RuntimeSelection } from './runtimes.js';
export type { TfjsBackend } from './tfjs-backend.js';
export type { TfjsSession } from './tfjs-session.js';
export { tfjsSpec } from './tfjs-spec.js';

const nodePlatform: Platform = {
  kind: 'node',
  // A computed specifier: the optional peers (tfjs-node, tfjs-node-gpu) are resolved only when asked for, so
  // neither TypeScript nor a bundler requires them to be installed.
  importPackage: (specifier) => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier),
  async defaultWasmPaths() {
    // The wasm runtime looks for its .wasm files beside the script that loads them, which a bundler or an ESM
    // loader can move; point it at the installed package instead.
    try {
      const require = createRequire(import.meta.url);
      return `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`;
    } catch {
      return undefined;
    }
  },
};

/**
 * Creates a TF.js backend for `createModel`. Loads a model folder (or its `model.json`) from disk without
 * tfjs-node, or from an http(s) URL; reads Ultralytics' `metadata.yaml` beside it.
 *
 * @throws `InvalidOptionError` when an option is invalid (checked here, before any loading).
 * @example
 * ```ts
 * import { createModel } from '@yolokit/core';
 * import { tfjs } from '@yolokit/backend-tfjs';
 *
 * const model = await createModel({ backend: tfjs(), model: 'yolov8n_web_model/' });
 * console.log(model.info.runtime); // "tfjs 4.22.0 (wasm)" where tfjs-node is not installed
 * const result = await model.predict('bus.jpg');
 * await model.dispose();
 * ```
 */
export function tfjs(options?: TfjsBackendOptions): TfjsBackend {
  return createTfjsBackend(options, nodePlatform, locateNodeModel);
}
