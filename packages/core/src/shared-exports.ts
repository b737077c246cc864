// Everything both entries (Node and browser) export; each entry adds its own `createModel`.
export * from './errors.js';
export * from './backend.js';
export * from './metadata.js';
export * from './letterbox.js';
export * from './image-input.js';
export { letterboxPixels, placeInLetterbox } from './letterbox-pixels.js';
export { CanvasImageDecoder } from './canvas-image-decoder.js';
export { pixelsToTensor } from './tensor.js';
export { detectOutputFormat, classCountOf, type OutputFormat } from './output-format.js';
export { decodeOutput, type Candidates, type DecodeOptions } from './decode.js';
export { nonMaxSuppression, topK, type NmsOptions } from './nms.js';
export * from './predict-options.js';
export { describeValue } from './describe-value.js';
export { hasWebgpuAdapter } from './webgpu-adapter.js';
export * from './result.js';
export { YoloModel, type CreateModelOptions, type ModelInfo } from './model.js';
