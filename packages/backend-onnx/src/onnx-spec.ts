import { type BackendSpec, defineBackendSpec } from '@yolokit/core';
// Types only: this file is what a main thread imports to describe the backend to workers, so it must load
// neither onnxruntime-node nor onnxruntime-web.
import type { OnnxNodeBackendOptions } from './onnx-node-backend.js';
import type { OnnxWebBackendOptions } from './onnx-web-backend.js';

/**
 * Describes {@link onnx | `onnx(options)`} (onnxruntime-node) as data, for the strategies that build their model
 * in worker threads, child processes or queue workers (`createPredictor`, `createQueueWorker`). A pool sets
 * `intraOpNumThreads` to its `threadsPerWorker` unless `options` sets it. The options are checked by `onnx()`
 * when each worker builds its backend.
 *
 * @example
 * ```ts
 * import { onnxSpec } from '@yolokit/backend-onnx/spec';
 * import { createPredictor } from '@yolokit/concurrency';
 *
 * const predictor = await createPredictor({ strategy: 'threads', workers: 2, model: { backend: onnxSpec(), model: 'yolov8n.onnx' } });
 * await predictor.close();
 * ```
 */
export function onnxSpec(options?: OnnxNodeBackendOptions): BackendSpec<OnnxNodeBackendOptions> {
  return defineBackendSpec({ module: '@yolokit/backend-onnx', export: 'onnx', threadsOption: 'intraOpNumThreads', ...(options === undefined ? {} : { options }) }, 'onnxSpec()');
}

/**
 * Describes {@link onnxWeb | `onnxWeb(options)`} (onnxruntime-web, WebAssembly) as data, for the strategies that
 * build their model elsewhere. A pool sets `numThreads` to its `threadsPerWorker` unless `options` sets it.
 * `wasmPaths` must be a string here (a `URL` object cannot cross to a worker).
 *
 * @example
 * ```ts
 * import { onnxWebSpec } from '@yolokit/backend-onnx/spec';
 * import { createPredictor } from '@yolokit/concurrency';
 *
 * const predictor = await createPredictor({ strategy: 'threads', workers: 2, model: { backend: onnxWebSpec(), model: 'yolov8n.onnx' } });
 * await predictor.close();
 * ```
 */
export function onnxWebSpec(options?: OnnxWebBackendOptions): BackendSpec<OnnxWebBackendOptions> {
  return defineBackendSpec({ module: '@yolokit/backend-onnx/web', export: 'onnxWeb', threadsOption: 'numThreads', ...(options === undefined ? {} : { options }) }, 'onnxWebSpec()');
}
