import { CanvasImageDecoder } from './canvas-image-decoder.js';
import type { ImageDecoder } from './image-input.js';
import { type CreateModelOptions, loadModel, type YoloModel } from './model.js';

/**
 * Loads a model. In browsers and web workers, images are decoded with `createImageBitmap` and an
 * `OffscreenCanvas` and letterboxed in JavaScript, unless `options.imageDecoder` says otherwise.
 */
export function createModel(options: CreateModelOptions): Promise<YoloModel> {
  return loadModel(options, canvasDecoder);
}

const canvasDecoder = (): ImageDecoder => new CanvasImageDecoder();
