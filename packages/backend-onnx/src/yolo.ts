import type { ModelSource, YoloModel } from '@yolokit/core';
import { onnx, type OnnxNodeBackendOptions } from './onnx-node-backend.js';
import { loadYoloModel, type YoloOptions } from './yolo-model.js';

/**
 * Loads an Ultralytics ONNX export with onnxruntime-node in one call: `createModel({ backend: onnx(), model })`
 * for the common case, with the model's prediction defaults given directly. The explicit API stays the way to
 * choose anything else (another backend, a concurrency strategy). In a browser, import `yolo` from
 * `@yolokit/backend-onnx/web` instead: the same function on onnxruntime-web.
 *
 * @param model - a path, `file:` or `http(s)` URL, or the model's bytes
 * @param options - `createModel`'s options, prediction defaults (`conf`, `iou`, `classes`, ...) and
 * `runtime`, the options of {@link onnx} (such as `{ intraOpNumThreads: 2 }`)
 * @throws `InvalidOptionError` for an unknown or invalid option; `ModelLoadError` for a model that cannot be loaded
 *
 * @example
 * ```ts
 * import { yolo } from '@yolokit/backend-onnx';
 *
 * const model = await yolo('yolov8n.onnx', { conf: 0.4 });
 * const result = await model.predict('bus.jpg');
 * for (const d of result.detections) console.log(d.className, d.confidence.toFixed(2), d.box);
 * await model.dispose();
 * ```
 */
export function yolo(model: ModelSource, options?: YoloOptions<OnnxNodeBackendOptions>): Promise<YoloModel> {
  return loadYoloModel(model, options, (runtime) => onnx(runtime));
}

export type { YoloOptions } from './yolo-model.js';
