/**
 * `@yolokit/cli`: the `yolokit` command line, and the functions behind it for programs that want them.
 *
 * @packageDocumentation
 */
export { runCli, cliVersion, type RunCliOptions } from './run-cli.js';
export { runPredict, modelRequired, type RunPredictOptions, type PredictOutcome, type CliIo, type CliOutput } from './run-predict.js';
export { predictOptionsFromFlags, toFlagError, PREDICT_OPTION_FLAGS, type PredictFlags } from './predict-flags.js';
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
} from './image-predictor.js';
export { annotateImage, overlaySvg, classColour, PALETTE, type DrawableDetection } from './annotate-image.js';
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
