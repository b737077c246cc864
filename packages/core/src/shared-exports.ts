// Everything both entries (Node and browser) export; each entry adds its own `createModel`.
export * from './errors.js';
export * from './backend.js';
export { type BackendSpec, defineBackendSpec } from './backend-spec.js';
export * from './metadata.js';
export * from './letterbox.js';
export * from './image-input.js';
export {
  ReadLimitError,
  type ReadLimitReason,
  readRegularFile,
  type ReadRegularFileOptions,
  fetchWithLimits,
  type FetchLimits,
  type FetchedBytes,
  type PinnedAddress,
} from './bounded-read.js';
export { MAX_INPUT_SIDE } from './model-input-size.js';
export { letterboxPixels, placeInLetterbox } from './letterbox-pixels.js';
export { CanvasImageDecoder } from './canvas-image-decoder.js';
export { pixelsToTensor } from './tensor.js';
export { detectOutputFormat, classCountOf, type OutputFormat } from './output-format.js';
export { decodeOutput, type Candidates, type DecodeOptions } from './decode.js';
export { nonMaxSuppression, topK, type NmsOptions } from './nms.js';
export * from './predict-options.js';
export { describeValue } from './describe-value.js';
export * from './result.js';
export { Mask, type MaskWire } from './mask.js';
export { type CocoRle, encodeRleCounts, decodeRleCounts } from './mask-rle.js';
export { type Contour, outerContours } from './mask-contour.js';
export { Keypoints, COCO_KEYPOINT_SKELETON, KEYPOINT_VISIBILITY_THRESHOLD, skeletonFor, unletterboxKeypoints } from './keypoints.js';
export {
  resolveTaskLayout,
  type YoloTask,
  type SupportedTask,
  type TaskLayout,
  type DetectionLayout,
  type ClassifyLayout,
  type TaskFacts,
  type ProtoLayout,
} from './task-layout.js';
export { type OrientedBox, type Corners, regularizeOrientedBox, orientedBoxCorners, orientedBoxBounds, unletterboxOrientedBox } from './oriented-box.js';
export { probiou, boxCovariance } from './probiou.js';
export { boxIou } from './box-iou.js';
export { rotatedNonMaxSuppression } from './rotated-nms.js';
export { classifyGeometry, classifyPixels } from './classify-transform.js';
export { upsampledMask, nativeMask, type MaskRequest } from './segment-masks.js';
export { YoloModel, type CreateModelOptions, type ModelInfo } from './model.js';
