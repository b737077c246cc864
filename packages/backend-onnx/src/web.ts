/**
 * `@yolokit/backend-onnx/web`: runs Ultralytics ONNX exports with onnxruntime-web (WebAssembly in browsers and
 * Node, WebGPU in browsers). This entry never loads onnxruntime-node, so it bundles for browsers.
 *
 * @packageDocumentation
 */
export { onnxWeb, type OnnxWasmPaths, type OnnxWebBackendOptions } from './onnx-web-backend.js';
export { readOnnxMetadata } from './onnx-metadata.js';
export { onnxWebSpec } from './onnx-spec.js';
export type { OnnxExecutionProvider } from './validate-options.js';
export { yolo, type YoloOptions } from './yolo-web.js';
