import type { Backend, CreateModelOptions, ImageInput, ModelSource, PredictOptions, YoloModel } from '@yolokit/core';
import { createModel, InvalidOptionError, resolvePredictOptions } from '@yolokit/core';
import { checkOptionsObject } from './validate-options.js';

/**
 * Options of `yolo()`: `createModel`'s options (everything but `backend` and `model`), the prediction defaults
 * of the model given directly (`conf`, `iou`, ...: the same as `defaults`, which they override), and the
 * runtime's own options under `runtime`.
 *
 * @typeParam RuntimeOptions - the backend factory's options: `OnnxNodeBackendOptions` or `OnnxWebBackendOptions`
 * @typeParam TInput - the images the model takes: `ImageInput` (Node), `BrowserImageInput` (the `/web` entry)
 */
export interface YoloOptions<RuntimeOptions, TInput = ImageInput> extends Omit<CreateModelOptions<TInput>, 'backend' | 'model'>, Omit<PredictOptions, 'signal'> {
  /** Options of the runtime's backend factory (`onnx()` in Node, `onnxWeb()` from the `/web` entry). @defaultValue the factory's defaults */
  readonly runtime?: RuntimeOptions;
}

/** `createModel`'s options that `yolo()` passes on. */
const MODEL_KEYS = ['defaults', 'imageDecoder', 'normalizedBoxes', 'names', 'signal', 'maxImageBytes', 'maxModelBytes', 'modelTimeoutMs'] as const;
/** Prediction options given directly, as model defaults. */
const PREDICT_KEYS = ['conf', 'iou', 'maxDet', 'classes', 'imgsz', 'agnostic', 'retinaMasks'] as const;
const KNOWN = ['runtime', ...MODEL_KEYS, ...PREDICT_KEYS];

/**
 * What `yolo()` of each entry does once it has made its backend: validates the option names (a typo such as
 * `confidence` fails with the known names instead of being ignored), folds the direct prediction options into
 * `defaults`, and calls `createModel`.
 *
 * @internal
 */
export async function loadYoloModel<RuntimeOptions, TInput = ImageInput>(
  model: ModelSource,
  options: YoloOptions<RuntimeOptions, TInput> | undefined,
  makeBackend: (runtime: RuntimeOptions | undefined) => Backend,
): Promise<YoloModel<TInput>> {
  const given = checkOptionsObject(options, 'yolo', KNOWN) as YoloOptions<RuntimeOptions, TInput>;
  if (model === undefined || model === null || model === '') {
    throw new InvalidOptionError('model', 'yolo(model): model is required: a path or URL of an Ultralytics ONNX export (yolo export model=yolov8n.pt format=onnx) or its bytes');
  }
  const direct: Record<string, unknown> = {};
  for (const key of PREDICT_KEYS) if (given[key] !== undefined) direct[key] = given[key];
  // Checked here so that a message names the option as it was given (`options.conf`), not as `options.defaults.conf`.
  resolvePredictOptions(direct as PredictOptions, {}, 'options');
  const defaults = { ...given.defaults, ...direct };
  const passed: Record<string, unknown> = {};
  for (const key of MODEL_KEYS) if (given[key] !== undefined) passed[key] = given[key];
  return await createModel({ ...passed, defaults, backend: makeBackend(given.runtime), model } as CreateModelOptions<TInput>);
}
