import type { ModelSource, YoloModel } from '@yolokit/core';
import { onnxWeb, type OnnxWebBackendOptions } from './onnx-web-backend.js';
import { loadYoloModel, type YoloOptions } from './yolo-model.js';

/**
 * Loads an Ultralytics ONNX export with onnxruntime-web (WebAssembly; WebGPU with `runtime: { executionProviders:
 * ['webgpu', 'wasm'] }`) in one call: `createModel({ backend: onnxWeb(), model })` for the common case, with the
 * model's prediction defaults given directly. In a browser images are decoded with the canvas, in Node with
 * sharp (core picks the decoder). The Node entry's `yolo` is the same function on onnxruntime-node.
 *
 * @param model - a URL (such as `'/models/yolov8n.onnx'` in a page), a path in Node, or the model's bytes
 * @param options - `createModel`'s options, prediction defaults (`conf`, `iou`, `classes`, ...) and
 * `runtime`, the options of {@link onnxWeb} (such as `{ wasmPaths: '/ort/' }`)
 * @throws `InvalidOptionError` for an unknown or invalid option; `ModelLoadError` for a model that cannot be loaded
 *
 * @example
 * ```ts
 * import { yolo } from '@yolokit/backend-onnx/web';
 *
 * const model = await yolo('/models/yolov8n.onnx', { conf: 0.4 });
 * const image = new Uint8Array(await (await fetch('/images/bus.jpg')).arrayBuffer());
 * const result = await model.predict(image);
 * console.log(result.detections.map((d) => d.className));
 * ```
 */
export function yolo(model: ModelSource, options?: YoloOptions<OnnxWebBackendOptions>): Promise<YoloModel> {
  return loadYoloModel(model, options, (runtime) => onnxWeb(runtime));
}

export type { YoloOptions } from './yolo-model.js';
