import type { ImageDecoder, ImageInput } from './image-input.js';
import { type CreateModelOptions, loadModel, type YoloModel } from './model.js';
import { SharpImageDecoder } from './sharp-image-decoder.js';

/**
 * Loads a model. In Node, images are decoded with sharp unless `options.imageDecoder` says otherwise; the
 * model's `predict` takes what the decoder takes (`imageDecoder: new CanvasImageDecoder()` gives a model that
 * takes `BrowserImageInput`).
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
export function createModel<TInput = ImageInput>(options: CreateModelOptions<TInput>): Promise<YoloModel<TInput>> {
  // sharp stands in only where no decoder is given, and then TInput is its own ImageInput.
  return loadModel(options, sharpDecoder as () => ImageDecoder<TInput>);
}

const sharpDecoder = (): ImageDecoder => new SharpImageDecoder();
