import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Backend,
  BackendUnavailableError,
  createModel,
  describeValue,
  InvalidOptionError,
  type PredictOptions,
  resolvePredictOptions,
  type YoloModel,
} from '@yolokit/core';

/**
 * Which backend to build, as data: a module to `import()`, the name of its export, and the options to call
 * that export with. Everything must survive `structuredClone` (it crosses to worker threads and processes).
 */
export interface BackendSpec {
  /**
   * The module that exports the backend factory: a package name (`'@yolokit/backend-onnx'`, resolved from
   * `@yolokit/concurrency`'s own location, as npm hoists dependencies), an absolute path, or a `file:` URL
   * (`new URL('./my-backend.js', import.meta.url).href`). Relative paths are refused: a worker has no idea
   * what they would be relative to.
   */
  readonly module: string;
  /**
   * The export to use: a factory called with {@link options} that returns a `Backend`, or a `Backend` itself.
   * @defaultValue 'default'
   */
  readonly export?: string;
  /** Options passed to the factory, such as `{ intraOpNumThreads: 1 }`. Must be structured-cloneable. */
  readonly options?: unknown;
  /**
   * The name of the factory option that sets the runtime's intra-op thread count. The predictor fills it with
   * `threadsPerWorker` unless {@link options} already sets it. `null` turns this off.
   * @defaultValue `'intraOpNumThreads'` for `onnx` of `@yolokit/backend-onnx`, `'numThreads'` for `onnxWeb` of
   * `@yolokit/backend-onnx/web`; otherwise `null` (a third-party backend names its option here)
   */
  readonly threadsOption?: string | null;
}

/** Options of `createModel` that are data (so they can cross threads), besides `defaults`. */
export interface ModelCreateOptions {
  /** See `CreateModelOptions.normalizedBoxes`. @defaultValue 'auto' */
  readonly normalizedBoxes?: boolean | 'auto';
  /** Class names to use instead of the model's own metadata. */
  readonly names?: Readonly<Record<number, string>>;
}

/**
 * A model as data, so that any thread or process can build its own instance: backend module and options,
 * model path or bytes, prediction defaults.
 *
 * @example
 * ```ts
 * import type { ModelSpec } from '@yolokit/concurrency';
 * const spec: ModelSpec = {
 *   backend: { module: '@yolokit/backend-onnx', export: 'onnx', options: { intraOpNumThreads: 1 } },
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

const BACKEND_KEYS = new Set(['module', 'export', 'options', 'threadsOption']);
const SPEC_KEYS = new Set(['backend', 'model', 'defaults', 'createOptions']);

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
  if (typeof backend !== 'object' || backend === null || Array.isArray(backend)) {
    throw new InvalidOptionError(`${prefix}.backend`, `${prefix}.backend must be { module, export?, options? } naming the backend's module, got ${describeValue(backend)}`);
  }
  for (const key of Object.keys(backend)) {
    if (!BACKEND_KEYS.has(key)) {
      throw new InvalidOptionError(`${prefix}.backend.${key}`, `${prefix}.backend.${key} is not a backend spec field; known fields: ${[...BACKEND_KEYS].join(', ')}`);
    }
  }
  const b = backend as Record<string, unknown>;
  if (typeof b.module !== 'string' || b.module.trim() === '') {
    throw new InvalidOptionError(`${prefix}.backend.module`, `${prefix}.backend.module must be a non-empty module specifier such as '@yolokit/backend-onnx', got ${describeValue(b.module)}`);
  }
  if (b.module.startsWith('./') || b.module.startsWith('../')) {
    throw new InvalidOptionError(
      `${prefix}.backend.module`,
      `${prefix}.backend.module must not be relative (${b.module}): workers cannot know what it is relative to; give a package name, an absolute path or new URL('${b.module}', import.meta.url).href`,
    );
  }
  if (b.export !== undefined && (typeof b.export !== 'string' || b.export === '')) {
    throw new InvalidOptionError(`${prefix}.backend.export`, `${prefix}.backend.export must be the name of an export of ${b.module}, got ${describeValue(b.export)}`);
  }
  if (b.threadsOption !== undefined && b.threadsOption !== null && (typeof b.threadsOption !== 'string' || b.threadsOption === '')) {
    throw new InvalidOptionError(`${prefix}.backend.threadsOption`, `${prefix}.backend.threadsOption must be an option name or null, got ${describeValue(b.threadsOption)}`);
  }
  if (b.options !== undefined) {
    try {
      structuredClone(b.options);
    } catch (error) {
      throw new InvalidOptionError(
        `${prefix}.backend.options`,
        `${prefix}.backend.options must be plain data that can cross to a worker (structuredClone failed: ${(error as Error).message})`,
      );
    }
  }
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
      throw new InvalidOptionError(`${prefix}.createOptions`, `${prefix}.createOptions must be an object { normalizedBoxes?, names? }, got ${describeValue(createOptions)}`);
    }
    for (const key of Object.keys(createOptions)) {
      if (key !== 'normalizedBoxes' && key !== 'names') {
        throw new InvalidOptionError(`${prefix}.createOptions.${key}`, `${prefix}.createOptions.${key} is not supported in a model spec; known fields: normalizedBoxes, names`);
      }
    }
  }
}

/** yolokit's own backends, whose thread option is known. */
const KNOWN_THREAD_OPTIONS: Readonly<Record<string, string>> = {
  '@yolokit/backend-onnx#onnx': 'intraOpNumThreads',
  '@yolokit/backend-onnx/web#onnxWeb': 'numThreads',
};

/** The option name that receives the thread count, per {@link BackendSpec.threadsOption}'s default rule. */
export function threadsOptionOf(backend: BackendSpec): string | null {
  if (backend.threadsOption !== undefined) return backend.threadsOption;
  return KNOWN_THREAD_OPTIONS[`${backend.module}#${backend.export ?? 'default'}`] ?? null;
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
 * import { loadModelFromSpec } from '@yolokit/concurrency';
 * const model = await loadModelFromSpec({ backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: 'yolov8n.onnx' });
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
    signal: options.signal,
  });
}

