/**
 * The default model's exporters (Node only): the architecture as data, ONNX and TF.js graph-model writers
 * working from BatchNorm-folded weights, and a reader of the committed weights. Used by the training script
 * and by the tests that prove exports are deterministic.
 *
 * @packageDocumentation
 */
export {
  anchorCentres,
  anchorCount,
  classifierArchitecture,
  defaultArchitecture,
  obbArchitecture,
  type Architecture,
  type ConcatLayer,
  type ConvLayer,
  type DetectionLevel,
  type Layer,
  type PoolLayer,
  type UpsampleLayer,
} from './export/architecture.js';
export type { FoldedWeights } from './export/folded-weights.js';
export { exportOnnx, ONNX_OPSET } from './export/export-onnx.js';
export { exportTfjsGraphModel, readTfjsWeights, TFJS_WEIGHTS_FILE, type TfjsGraphModelFiles } from './export/export-tfjs.js';
export { DEFAULT_MODEL_VERSION, metadataYaml, onnxMetadataProps, ultralyticsMetadata, type UltralyticsMetadataFields } from './export/model-metadata.js';
export { type ModelFileNames, modelFiles, sha256, sha256sums, writeModelFiles, type WrittenFile } from './export/write-model-files.js';
