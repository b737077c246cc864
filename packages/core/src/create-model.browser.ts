import { CanvasImageDecoder } from './canvas-image-decoder.js';
import type { BrowserImageInput, ImageDecoder } from './image-input.js';
import { type CreateModelOptions, loadModel, type YoloModel } from './model.js';

/**
 * Loads a model. In browsers and web workers, images are decoded with `createImageBitmap` and an
 * `OffscreenCanvas` and letterboxed in JavaScript, unless `options.imageDecoder` says otherwise; `predict` then
 * takes a {@link BrowserImageInput}: a URL, bytes, raw pixels, `ImageData`, `ImageBitmap`, `HTMLImageElement`,
 * `HTMLCanvasElement`, `OffscreenCanvas` or `VideoFrame`.
 */
export function createModel<TInput = BrowserImageInput>(options: CreateModelOptions<TInput>): Promise<YoloModel<TInput>> {
  // The canvas stands in only where no decoder is given, and then TInput is its own BrowserImageInput.
  return loadModel(options, canvasDecoder as () => ImageDecoder<TInput>);
}

const canvasDecoder = (): ImageDecoder<BrowserImageInput> => new CanvasImageDecoder();
