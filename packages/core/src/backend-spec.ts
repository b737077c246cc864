import { describeValue } from './describe-value.js';
import { InvalidOptionError } from './errors.js';

/**
 * A backend as data: the module to `import()`, the name of its factory export, the options to call it with, and
 * what a pool needs to know about it. Strategies that run models in worker threads, child processes or queue
 * workers send this description there and build the backend on the other side, so everything in it must survive
 * `structuredClone`. Backend packages make these with a typed helper (`onnxSpec()` of `@yolokit/backend-onnx`,
 * `tfjsSpec()` of `@yolokit/backend-tfjs`); a third-party backend writes its own with {@link defineBackendSpec}.
 *
 * @typeParam Options - the options of the backend's factory
 */
export interface BackendSpec<Options = unknown> {
  /**
   * The module that exports the backend factory: a package name (`'@yolokit/backend-onnx'`, resolved from the
   * package that imports it, `@yolokit/concurrency` or `@yolokit/queue`, as npm hoists dependencies), an absolute
   * path, or a `file:` URL (`new URL('./my-backend.js', import.meta.url).href`). Relative paths are refused: a
   * worker has no idea what they would be relative to.
   */
  readonly module: string;
  /**
   * The export to use: a factory called with {@link BackendSpec.options} that returns a `Backend`, or a `Backend`
   * itself.
   * @defaultValue 'default'
   */
  readonly export?: string;
  /** Options passed to the factory, such as `{ intraOpNumThreads: 1 }`. Must be structured-cloneable. */
  readonly options?: Options;
  /**
   * The name of the factory option that sets the runtime's intra-op thread count. A pool fills it with its
   * `threadsPerWorker` unless {@link BackendSpec.options} already sets it; `null` or absent, the pool leaves the
   * runtime's threads alone (and cannot keep workers × threads within the cores).
   * @defaultValue null
   */
  readonly threadsOption?: string | null;
}

const SPEC_KEYS = new Set(['module', 'export', 'options', 'threadsOption']);

/**
 * Checks a backend description and returns it as a {@link BackendSpec}: what a backend package's spec helper
 * returns, and what a third-party backend uses to describe itself to the concurrency strategies.
 *
 * @throws `InvalidOptionError` (code `INVALID_OPTION`) naming the field when the module is missing or relative,
 * the export or thread option is not a name, or the options cannot cross to a worker (`structuredClone` fails).
 * @example
 * ```ts
 * import { type BackendSpec, defineBackendSpec } from '@yolokit/core';
 *
 * export interface TinyBackendOptions { readonly threads?: number }
 *
 * // Shipped beside the backend, so that users write tinySpec({ threads: 2 }) instead of the module's name.
 * export function tinySpec(options: TinyBackendOptions = {}): BackendSpec<TinyBackendOptions> {
 *   return defineBackendSpec({ module: '@acme/yolokit-tiny', export: 'tiny', options, threadsOption: 'threads' });
 * }
 * ```
 */
export function defineBackendSpec<Options>(spec: BackendSpec<Options>, prefix = 'backend'): BackendSpec<Options> {
  checkBackendSpec(spec, prefix);
  return spec;
}

/** Throws {@link InvalidOptionError} with a precise message when `value` is not a valid {@link BackendSpec}. */
export function checkBackendSpec(value: unknown, prefix = 'backend'): asserts value is BackendSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(prefix, `${prefix} must be { module, export?, options?, threadsOption? } naming the backend's module (a backend package's spec helper, such as onnxSpec(), makes one), got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!SPEC_KEYS.has(key)) throw new InvalidOptionError(`${prefix}.${key}`, `${prefix}.${key} is not a backend spec field; known fields: ${[...SPEC_KEYS].join(', ')}`);
  }
  const b = value as Record<string, unknown>;
  if (typeof b.module !== 'string' || b.module.trim() === '') {
    throw new InvalidOptionError(`${prefix}.module`, `${prefix}.module must be a non-empty module specifier such as '@yolokit/backend-onnx', got ${describeValue(b.module)}`);
  }
  if (b.module.startsWith('./') || b.module.startsWith('../')) {
    throw new InvalidOptionError(
      `${prefix}.module`,
      `${prefix}.module must not be relative (${b.module}): workers cannot know what it is relative to; give a package name, an absolute path or new URL('${b.module}', import.meta.url).href`,
    );
  }
  if (b.export !== undefined && (typeof b.export !== 'string' || b.export === '')) {
    throw new InvalidOptionError(`${prefix}.export`, `${prefix}.export must be the name of an export of ${b.module}, got ${describeValue(b.export)}`);
  }
  if (b.threadsOption !== undefined && b.threadsOption !== null && (typeof b.threadsOption !== 'string' || b.threadsOption === '')) {
    throw new InvalidOptionError(`${prefix}.threadsOption`, `${prefix}.threadsOption must be an option name or null, got ${describeValue(b.threadsOption)}`);
  }
  if (b.options !== undefined) {
    try {
      structuredClone(b.options);
    } catch (error) {
      throw new InvalidOptionError(`${prefix}.options`, `${prefix}.options must be plain data that can cross to a worker (structuredClone failed: ${(error as Error).message})`);
    }
  }
}
