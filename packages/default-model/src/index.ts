/**
 * yolokit's default model: a tiny detector of circles, squares, triangles and rings trained by the project on
 * seeded synthetic scenes, the scene generator itself (images with exact ground truth) and an mAP evaluator.
 * Together they let yolokit run, demonstrate and test real detection offline.
 *
 * @packageDocumentation
 */
export { CLASS_NAMES, DEFAULT_MODEL_NAMES, type ShapeClassName } from './class-names.js';
export { generateScene, type Scene, type SceneObject, type SceneOptions } from './generate-scene.js';
export {
  boxIou,
  meanAveragePrecision,
  type ClassAveragePrecision,
  type EvaluatedImage,
  type MeanAveragePrecision,
  type ScoredBox,
  type TruthBox,
} from './mean-average-precision.js';
export { DEFAULT_MODEL_IMGSZ, DEFAULT_ONNX_FILE, DEFAULT_TFJS_FOLDER, defaultModelDir, defaultModelPath } from './model-paths.js';
export { HELD_OUT_SEEDS, TRAINING_SEEDS } from './scene-seeds.js';
export { DEFAULT_MODEL_PREDICT_DEFAULTS } from './predict-defaults.js';
