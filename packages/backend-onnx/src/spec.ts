/**
 * `@yolokit/backend-onnx/spec`: the backends of this package described as data ({@link onnxSpec},
 * {@link onnxWebSpec}) for `@yolokit/concurrency` and `@yolokit/queue`, without loading either runtime: the
 * thread that only hands work to a pool does not pay for onnxruntime.
 *
 * @packageDocumentation
 */
export { onnxSpec, onnxWebSpec } from './onnx-spec.js';
