import type { BrowserImageInput, ModelSource, YoloModel } from '@yolokit/core';
import { onnxWeb, type OnnxWebBackendOptions } from './onnx-web-backend.js';
import { loadYoloModel, type YoloOptions } from './yolo-model.js';

/**
 * Loads an Ultralytics ONNX export with onnxruntime-web (WebAssembly; WebGPU with `runtime: { executionProviders:
 * ['webgpu', 'wasm'] }`) in one call: `createModel({ backend: onnxWeb(), model })` for the common case, with the
 * model's prediction defaults given directly. In a browser images are decoded with the canvas, in Node with
 * sharp (core picks the decoder). The Node entry's `yolo` is the same function on onnxruntime-node.
 *
 * The model's `predict` takes a `BrowserImageInput`: a URL, encoded bytes, raw pixels, or in a browser an
 * `ImageData`, `ImageBitmap`, `HTMLImageElement`, `HTMLCanvasElement`, `OffscreenCanvas` or `VideoFrame` (these
 * need the canvas decoder, which a browser or web worker gets; in Node give paths, URLs, bytes or raw pixels).
 * It never closes a bitmap or frame it is given: close it yourself once `predict` settles.
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
 * const result = await model.predict(document.querySelector('img')!); // or a canvas, an ImageBitmap, a VideoFrame, bytes, a URL
 * console.log(result.detections.map((d) => d.className));
 * ```
 */
export function yolo(model: ModelSource, options?: YoloOptions<OnnxWebBackendOptions, BrowserImageInput>): Promise<YoloModel<BrowserImageInput>> {
  return loadYoloModel(model, options, (runtime) => onnxWeb(runtime));
}

export type { YoloOptions } from './yolo-model.js';
