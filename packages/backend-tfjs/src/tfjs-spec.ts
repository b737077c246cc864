import { type BackendSpec, defineBackendSpec } from '@yolokit/core';
// Types only: a main thread imports this to describe the backend to workers without loading TF.js.
import type { TfjsBackendOptions } from './options.js';

/**
 * Describes {@link tfjs | `tfjs(options)`} as data, for the strategies that build their model in worker threads,
 * child processes or queue workers (`createPredictor`, `createQueueWorker`). TF.js has no per-model thread
 * setting, so a pool's `threadsPerWorker` does not reach it (`threadsOption: null`). The options are checked by
 * `tfjs()` when each worker builds its backend. tfjs-node and tfjs-node-gpu are not reliable in worker threads:
 * use the `processes` strategy with them.
 *
 * @example
 * ```ts
 * import { tfjsSpec } from '@yolokit/backend-tfjs/spec';
 * import { createPredictor } from '@yolokit/concurrency';
 *
 * const predictor = await createPredictor({
 *   strategy: 'processes',
 *   workers: 2,
 *   model: { backend: tfjsSpec({ runtime: 'wasm' }), model: '/models/yolov8n_web_model/' },
 * });
 * await predictor.close();
 * ```
 */
export function tfjsSpec(options?: TfjsBackendOptions): BackendSpec<TfjsBackendOptions> {
  return defineBackendSpec({ module: '@yolokit/backend-tfjs', export: 'tfjs', threadsOption: null, ...(options === undefined ? {} : { options }) }, 'tfjsSpec()');
}
