import { basename, extname } from 'node:path';
import { createPredictor, type Predictor, type PredictorOptions } from '@yolokit/concurrency';
import { describeValue, InvalidOptionError } from '@yolokit/core';

/**
 * One model to serve: a {@link Predictor} you created (the server never closes it), or the options of
 * `createPredictor` (a model spec and any strategy: `locked`, `threads`, `processes`, `auto`, `queue`), which the
 * server opens at start and closes at shutdown.
 */
export type ServedModelOptions = ({ readonly predictor: Predictor } | PredictorOptions) & {
  /**
   * The model's name in URLs (`/v1/models/{name}/predict`, `/v2/models/{name}`): letters, digits, `.`, `_`, `-`.
   * @defaultValue the model file's name without its extension (`yolov8n.onnx` → `yolov8n`); required for a
   *   predictor or a model given as bytes
   */
  readonly name?: string;
};

/** A model the server answers for. */
export interface ServedModel {
  readonly name: string;
  readonly predictor: Predictor;
  /** Whether the server opened the predictor (and so closes it). */
  readonly owned: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The name of `options` in URLs, validated. */
export function servedModelName(options: ServedModelOptions, where: string): string {
  if (options.name !== undefined) {
    if (typeof options.name !== 'string' || !NAME.test(options.name)) {
      throw new InvalidOptionError(
        `${where}.name`,
        `${where}.name must be 1 to 128 letters, digits, '.', '_' or '-' starting with a letter or digit, got ${describeValue(options.name)}`,
      );
    }
    return options.name;
  }
  const model = 'predictor' in options ? undefined : (options.model as { model?: unknown } | undefined)?.model;
  if (typeof model === 'string') {
    const file = basename(model.startsWith('file:') ? new URL(model).pathname : model);
    // A TF.js model is a folder (`yolov8n_web_model`); its name is the folder's, with no extension to drop.
    const name = extname(file) === '' ? file : file.slice(0, -extname(file).length);
    if (NAME.test(name)) return name;
    throw new InvalidOptionError(`${where}.name`, `${where}.name is needed: the model file's name ${JSON.stringify(name)} cannot be used in URLs`);
  }
  throw new InvalidOptionError(`${where}.name`, `${where}.name is needed for a model given as a predictor or as bytes`);
}

/**
 * Opens every model (those given as options, in parallel), or none: when one fails to open, those already open
 * are closed and the first failure is thrown (the library's typed error, such as `MODEL_NOT_FOUND`).
 */
export async function openServedModels(models: readonly ServedModelOptions[]): Promise<ServedModel[]> {
  if (!Array.isArray(models) || models.length === 0) {
    throw new InvalidOptionError('options.models', `options.models must be a non-empty array of models to serve, got ${describeValue(models)}`);
  }
  const names = models.map((model, i) => {
    if (typeof model !== 'object' || model === null) {
      throw new InvalidOptionError(`options.models[${i}]`, `options.models[${i}] must be { predictor } or createPredictor options, got ${describeValue(model)}`);
    }
    return servedModelName(model, `options.models[${i}]`);
  });
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new InvalidOptionError('options.models', `two models are named ${JSON.stringify(duplicate)}; give one of them another name`);
  }
  const opened = await Promise.allSettled(
    models.map(async (model, i): Promise<ServedModel> => {
      if ('predictor' in model) return { name: names[i], predictor: model.predictor, owned: false };
      const { name: _name, ...options } = model as PredictorOptions & { name?: string };
      return { name: names[i], predictor: await createPredictor(options), owned: true };
    }),
  );
  const failure = opened.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    await Promise.all(opened.map((outcome) => (outcome.status === 'fulfilled' && outcome.value.owned ? outcome.value.predictor.close({ abort: true }) : undefined)));
    throw failure.reason;
  }
  return opened.map((outcome) => (outcome as PromiseFulfilledResult<ServedModel>).value);
}
