/**
 * `@yolokit/backend-onnx`: runs Ultralytics ONNX exports with onnxruntime-node (this entry) or onnxruntime-web
 * (`@yolokit/backend-onnx/web`). This entry never loads onnxruntime-web, and the web entry never loads
 * onnxruntime-node.
 *
 * @packageDocumentation
 */
export { onnx, type ExecutionMode, type GraphOptimizationLevel, type OnnxNodeBackendOptions } from './onnx-node-backend.js';
export { readOnnxMetadata } from './onnx-metadata.js';
export { onnxSpec, onnxWebSpec } from './onnx-spec.js';
export type { OnnxExecutionProvider } from './validate-options.js';
export { yolo, type YoloOptions } from './yolo.js';
