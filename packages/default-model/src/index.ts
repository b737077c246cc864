/**
 * yolokit's default model: a tiny detector of circles, squares, triangles and rings trained by the project on
 * seeded synthetic scenes, the scene generator itself (images with exact ground truth) and an mAP evaluator;
 * beside it two task models trained the same way, an oriented-box detector of rotated shapes and a shapes
 * classifier, with their generators (rotated scenes, single-shape pictures) and the rotated IoU.
 * Together they let yolokit run, demonstrate and test real detection offline.
 *
 * @packageDocumentation
 */
export { CLASS_NAMES, DEFAULT_MODEL_NAMES, type ShapeClassName } from './class-names.js';
export { generateScene, type Scene, type SceneObject, type SceneOptions } from './generate-scene.js';
export {
  generateRotatedScene,
  OBB_CLASS_NAMES,
  OBB_MODEL_NAMES,
  type RotatedScene,
  type RotatedSceneObject,
  type RotatedShapeClassName,
} from './generate-rotated-scene.js';
export {
  generateMovingScenes,
  type MovingSceneFrame,
  type MovingSceneObject,
  type MovingScenes,
  type MovingScenesOptions,
} from './generate-moving-scenes.js';
export { generatePicture, type Picture, type PictureOptions } from './generate-picture.js';
export { rotatedBoxIou, type OrientedBoxLike } from './rotated-iou.js';
export {
  type ClassDetectionMetrics,
  type DetectionMetrics,
  evaluateDetections,
  type EvaluateOptions,
  type EvaluateWithIouOptions,
  type EvaluationImage,
  type GroundTruthBox,
  interpolatedAp,
  IOU_THRESHOLDS,
  type Labelled,
  type PredictedBox,
  PYCOCOTOOLS_IOU_THRESHOLDS,
  PYCOCOTOOLS_RECALL_POINTS,
  RECALL_POINTS,
  type Scored,
  type Xyxy,
} from './evaluate-detections.js';
export {
  meanAveragePrecision,
  type ClassAveragePrecision,
  type EvaluatedImage,
  type MeanAveragePrecision,
  type MeanAveragePrecisionOptions,
  type ScoredBox,
  type TruthBox,
} from './mean-average-precision.js';
export {
  DEFAULT_MODEL_IMGSZ,
  DEFAULT_ONNX_FILE,
  DEFAULT_TFJS_FOLDER,
  defaultModelDir,
  defaultModelPath,
  TASK_MODEL_FILES,
  type TaskModel,
  taskModelDir,
  taskModelPath,
} from './model-paths.js';
export { HELD_OUT_SEEDS, TRAINING_SEEDS } from './scene-seeds.js';
export { DEFAULT_MODEL_PREDICT_DEFAULTS, OBB_MODEL_PREDICT_DEFAULTS } from './predict-defaults.js';
