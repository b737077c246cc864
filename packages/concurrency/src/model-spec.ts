import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Backend,
  type BackendSpec as CoreBackendSpec,
  BackendUnavailableError,
  createModel,
  describeValue,
  InvalidOptionError,
  type PredictOptions,
  resolvePredictOptions,
  type YoloModel,
} from '@yolokit/core';
import { checkBackendSpec, positiveInteger } from '@yolokit/core/internal';

/**
 * Which backend to build, as data: core's {@link CoreBackendSpec}, made by a backend package's spec helper
 * (`onnxSpec()`, `onnxWebSpec()`, `tfjsSpec()`) or by `defineBackendSpec()` for a third-party backend.
 */
export type BackendSpec<Options = unknown> = CoreBackendSpec<Options>;

/** Options of `createModel` that are data (so they can cross threads), besides `defaults`. */
export interface ModelCreateOptions {
  /** See `CreateModelOptions.normalizedBoxes`. @defaultValue 'auto' */
  readonly normalizedBoxes?: boolean | 'auto';
  /** Class names to use instead of the model's own metadata. */
  readonly names?: Readonly<Record<number, string>>;
  /** See `CreateModelOptions.maxImageBytes`: the byte limit of each image this instance reads. @defaultValue 268435456 (256 MiB) */
  readonly maxImageBytes?: number;
  /** See `CreateModelOptions.maxModelBytes`: the byte limit of the model file or download. */
  readonly maxModelBytes?: number;
  /** See `CreateModelOptions.modelTimeoutMs`: the deadline of a model download. */
  readonly modelTimeoutMs?: number;
}

/**
 * A model as data, so that any thread or process can build its own instance: backend module and options,
 * model path or bytes, prediction defaults.
 *
 * @example
 * ```ts
 * import { onnxSpec } from '@yolokit/backend-onnx/spec';
 * import type { ModelSpec } from '@yolokit/concurrency';
 * const spec: ModelSpec = {
 *   backend: onnxSpec({ intraOpNumThreads: 1 }),
 *   model: '/models/yolov8n.onnx',
 *   defaults: { conf: 0.4 },
 * };
 * ```
 */
export interface ModelSpec {
  readonly backend: BackendSpec;
  /** An absolute or working-directory-relative path, a `file:` URL string, or the model's bytes. */
  readonly model: string | Uint8Array;
  /** Prediction defaults of the model; each call may override them. */
  readonly defaults?: Omit<PredictOptions, 'signal'>;
  readonly createOptions?: ModelCreateOptions;
}

const SPEC_KEYS = new Set(['backend', 'model', 'defaults', 'createOptions']);
/** The fields of {@link ModelCreateOptions}: createModel's options that are data. */
const CREATE_OPTION_KEYS: ReadonlySet<string> = new Set(['normalizedBoxes', 'names', 'maxImageBytes', 'maxModelBytes', 'modelTimeoutMs']);

/** Whether `value` looks like a {@link ModelSpec} (rather than a live model). */
export function isModelSpec(value: unknown): value is ModelSpec {
  return typeof value === 'object' && value !== null && 'backend' in value && 'model' in value && typeof (value as { predict?: unknown }).predict !== 'function';
}

/** Throws {@link InvalidOptionError} with a precise message when `spec` is not a valid {@link ModelSpec}. */
export function validateModelSpec(spec: unknown, prefix = 'spec'): asserts spec is ModelSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new InvalidOptionError(prefix, `${prefix} must be a model spec { backend: { module, export?, options? }, model, defaults? }, got ${describeValue(spec)}`);
  }
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) throw new InvalidOptionError(`${prefix}.${key}`, `${prefix}.${key} is not a model spec field; known fields: ${[...SPEC_KEYS].join(', ')}`);
  }
  const { backend, model, defaults, createOptions } = spec as Record<string, unknown>;
  checkBackendSpec(backend, `${prefix}.backend`);
  if (!(typeof model === 'string' && model !== '') && !(model instanceof Uint8Array && model.byteLength > 0)) {
    throw new InvalidOptionError(`${prefix}.model`, `${prefix}.model must be a model path, a file: URL string or the model's bytes as a non-empty Uint8Array, got ${describeValue(model)}`);
  }
  if (defaults !== undefined) {
    if (typeof defaults === 'object' && defaults !== null && 'signal' in defaults) {
      throw new InvalidOptionError(`${prefix}.defaults.signal`, `${prefix}.defaults.signal is not allowed: a signal belongs to one call, pass it to predict()`);
    }
    resolvePredictOptions(defaults as PredictOptions, {}, `${prefix}.defaults`);
  }
  if (createOptions !== undefined) {
    if (typeof createOptions !== 'object' || createOptions === null) {
      throw new InvalidOptionError(`${prefix}.createOptions`, `${prefix}.createOptions must be an object { ${[...CREATE_OPTION_KEYS].map((k) => `${k}?`).join(', ')} }, got ${describeValue(createOptions)}`);
    }
    for (const key of Object.keys(createOptions)) {
      if (!CREATE_OPTION_KEYS.has(key)) {
        throw new InvalidOptionError(`${prefix}.createOptions.${key}`, `${prefix}.createOptions.${key} is not supported in a model spec; known fields: ${[...CREATE_OPTION_KEYS].join(', ')}`);
      }
    }
    // The values are createModel's to check, where the instance is built; a wrong one rejects with its InvalidOptionError.
    for (const key of ['maxImageBytes', 'maxModelBytes', 'modelTimeoutMs'] as const) {
      positiveInteger((createOptions as Record<string, unknown>)[key], `${prefix}.createOptions.${key}`);
    }
  }
}

/**
 * The option name that receives the thread count: the spec's own {@link BackendSpec.threadsOption}. The
 * strategies know no backend by name; a backend's spec helper says which option it is.
 */
export function threadsOptionOf(backend: BackendSpec): string | null {
  return backend.threadsOption ?? null;
}

/**
 * The spec with the backend's thread option set to `threads`, unless the spec's options already set it or the
 * backend has no thread option. Returns the spec unchanged in those cases.
 */
export function withThreads(spec: ModelSpec, threads: number): ModelSpec {
  const name = threadsOptionOf(spec.backend);
  if (name === null) return spec;
  const options = spec.backend.options;
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) return spec;
  if (options && (options as Record<string, unknown>)[name] !== undefined) return spec;
  return { ...spec, backend: { ...spec.backend, options: { ...(options as object | undefined), [name]: threads } } };
}

/** The thread count a spec asks its backend for, when it says. */
export function threadsOfSpec(spec: ModelSpec): number | undefined {
  const name = threadsOptionOf(spec.backend);
  const options = spec.backend.options as Record<string, unknown> | undefined;
  const value = name && options && typeof options === 'object' ? options[name] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** A specifier `import()` understands from any module: absolute paths become `file:` URLs. */
export function importableSpecifier(module: string): string {
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

/** Imports the spec's module and builds its backend. */
export async function loadBackendFromSpec(backend: BackendSpec): Promise<Backend> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(importableSpecifier(backend.module))) as Record<string, unknown>;
  } catch (error) {
    throw new BackendUnavailableError(
      `cannot import backend module '${backend.module}': ${(error as Error).message}. Install it where @yolokit/concurrency can resolve it, or give an absolute path or file: URL`,
      [],
      { cause: error },
    );
  }
  const name = backend.export ?? 'default';
  const exported = namespace[name];
  if (exported === undefined) {
    const available = Object.keys(namespace).filter((key) => key !== '__esModule');
    throw new BackendUnavailableError(`backend module '${backend.module}' has no export '${name}'; it exports: ${available.join(', ') || 'nothing'}`, available);
  }
  const built = typeof exported === 'function' ? await (exported as (options?: unknown) => unknown)(backend.options) : exported;
  if (typeof built !== 'object' || built === null || typeof (built as Backend).load !== 'function') {
    throw new BackendUnavailableError(
      `export '${name}' of '${backend.module}' is not a Backend nor a factory returning one (it must have load(source)); got ${describeValue(built)}`,
    );
  }
  return built as Backend;
}

/**
 * Builds a live model from a {@link ModelSpec}, in whatever thread or process calls it. This is what each
 * worker of the `threads` and `processes` strategies runs once at start.
 *
 * @example
 * ```ts
 * import { onnxSpec } from '@yolokit/backend-onnx/spec';
 * import { loadModelFromSpec } from '@yolokit/concurrency';
 * const model = await loadModelFromSpec({ backend: onnxSpec(), model: 'yolov8n.onnx' });
 * console.log((await model.predict('bus.jpg')).detections.length);
 * await model.dispose();
 * ```
 */
export async function loadModelFromSpec(spec: ModelSpec, options: { signal?: AbortSignal } = {}): Promise<YoloModel> {
  validateModelSpec(spec);
  const backend = await loadBackendFromSpec(spec.backend);
  return createModel({
    backend,
    model: spec.model,
    defaults: spec.defaults,
    normalizedBoxes: spec.createOptions?.normalizedBoxes,
    names: spec.createOptions?.names,
    maxImageBytes: spec.createOptions?.maxImageBytes,
    maxModelBytes: spec.createOptions?.maxModelBytes,
    modelTimeoutMs: spec.createOptions?.modelTimeoutMs,
    signal: options.signal,
  });
}

