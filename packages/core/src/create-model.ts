import type { ImageDecoder } from './image-input.js';
import { type CreateModelOptions, loadModel, type YoloModel } from './model.js';
import { SharpImageDecoder } from './sharp-image-decoder.js';

/**
 * Loads a model. In Node, images are decoded with sharp unless `options.imageDecoder` says otherwise.
 *
 * @example
 * ```ts
 * import { createModel } from '@yolokit/core';
 * import { onnx } from '@yolokit/backend-onnx';
 *
 * const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx' });
 * const result = await model.predict('bus.jpg', { conf: 0.4 });
 * for (const d of result.detections) console.log(d.className, d.confidence.toFixed(2), d.box);
 * await model.dispose();
 * ```
 */
export function createModel(options: CreateModelOptions): Promise<YoloModel> {
  return loadModel(options, sharpDecoder);
}

const sharpDecoder = (): ImageDecoder => new SharpImageDecoder();
