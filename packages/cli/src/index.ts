/**
 * `@yolokit/cli`: the `yolokit` command line, and the functions behind it for programs that want them.
 *
 * @packageDocumentation
 */
export { runCli, cliVersion, type RunCliOptions } from './run-cli.js';
export { runPredict, modelRequired, setupLine, type RunPredictOptions, type PredictOutcome, type CliIo, type CliOutput } from './run-predict.js';
export { predictOptionsFromFlags, toFlagError, checkOutputFlags, checkFlagsForTask, PREDICT_OPTION_FLAGS, type PredictFlags, type OutputFlags } from './predict-flags.js';
export { expandSources, IMAGE_EXTENSIONS } from './expand-sources.js';
export {
  createInProcessPredictor,
  loadBackend,
  resolveModelPath,
  BACKEND_NAMES,
  type BackendName,
  type ImagePredictor,
  type ModelSpec,
  type PredictorFactory,
  type RunPlan,
  type RunSetup,
} from './image-predictor.js';
export { machinePredictor, strategyPredictorFromFlags, DEFAULT_POOL, STRATEGY_NAMES, type StrategyName, type StrategyFlags } from './strategy-predictor.js';
export { annotateImage, DEFAULT_DRAWERS, type AnnotateOptions } from './annotate-image.js';
export { type Drawer, type DrawLayer, type DrawableResult, type DrawableDetection, lineWidthFor } from './drawer.js';
export { boxDrawer, overlaySvg } from './box-drawer.js';
export { maskDrawer, maskLayer, MASK_ALPHA } from './mask-drawer.js';
export { keypointDrawer, keypointSvg, KEYPOINT_RADIUS, KEYPOINT_VISIBILITY_THRESHOLD } from './keypoint-drawer.js';
export { orientedBoxDrawer, orientedBoxSvg } from './oriented-box-drawer.js';
export { topClassesDrawer, topClassesSvg, TOP_CLASSES_BACKGROUND } from './top-classes-drawer.js';
export { classColour, PALETTE, LIMB_COLOURS, KEYPOINT_COLOURS } from './palette.js';
export {
  REPORT_VERSION,
  modelReport,
  imageResultReport,
  isImageError,
  summaryLine,
  errorLine,
  totalsLine,
  type PredictReport,
  type ModelReport,
  type ImageReport,
  type ImageResultReport,
  type ImageErrorReport,
} from './predict-report.js';
export { CliError, ExitCode, type CliErrorCode } from './cli-error.js';
