import { describeValue, InvalidOptionError } from '@yolokit/core';
import { booleanOption, oneOf, optionsObject, rejectUnknown } from '@yolokit/core/internal';

/**
 * A TF.js runtime (a TF.js backend and the npm package that provides it).
 *
 * | runtime | package | where |
 * |---|---|---|
 * | `tfjs-node-gpu` | `@tensorflow/tfjs-node-gpu` (optional peer) | Node, CUDA GPU through libtensorflow |
 * | `tfjs-node` | `@tensorflow/tfjs-node` (optional peer) | Node, CPU through libtensorflow |
 * | `wasm` | `@tensorflow/tfjs-backend-wasm` (dependency) | Node and browsers |
 * | `cpu` | `@tensorflow/tfjs-backend-cpu` (dependency) | anywhere; pure JavaScript, slow |
 * | `webgl` | `@tensorflow/tfjs-backend-webgl` (optional peer) | browsers |
 * | `webgpu` | `@tensorflow/tfjs-backend-webgpu` (optional peer) | browsers with WebGPU |
 */
export type TfjsRuntime = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** Every {@link TfjsRuntime}, in the order `'auto'` tries them in Node. */
export const TFJS_RUNTIMES: readonly TfjsRuntime[] = Object.freeze(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu', 'webgl', 'webgpu']);

/** Options of {@link tfjs}. */
export interface TfjsBackendOptions {
  /**
   * The TF.js runtime to run models on. `'auto'` takes the first that initialises: in Node `tfjs-node-gpu`,
   * `tfjs-node` (each only when its package is installed), `wasm`, `cpu`; in browsers `webgpu`, `webgl` (each
   * only when its package is installed or already imported), `wasm`, `cpu`. Naming one forces it: loading then
   * fails with a `BackendUnavailableError` that says what to install when it is missing.
   * @defaultValue 'auto'
   */
  readonly runtime?: TfjsRuntime | 'auto';
  /**
   * Where the wasm runtime finds its `.wasm` binaries: a folder (path in Node, URL prefix in browsers) ending
   * in `/`, or a map from each binary's name (`tfjs-backend-wasm.wasm`, `tfjs-backend-wasm-simd.wasm`,
   * `tfjs-backend-wasm-threaded-simd.wasm`) to its location. Applies only if the wasm runtime has not been
   * initialised yet in this process (or page).
   * @defaultValue in Node, the `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm`; in browsers,
   * TF.js' own default (beside the bundled script)
   */
  readonly wasmPaths?: string | Readonly<Record<string, string>>;
  /**
   * Run one zero image through the model while loading. TF.js graph models do not store their output shapes,
   * so this is how a session learns them (`session.outputs`); it also moves the one-time costs (kernel
   * set-up, shader compilation on webgl/webgpu) out of the first prediction. When `false`, output shapes are
   * reported as `[]` (unknown) until the first `run`.
   * @defaultValue true
   */
  readonly warmup?: boolean;
  /**
   * Options for `fetch` when the model is loaded from an http(s) URL, such as headers or credentials.
   * @defaultValue undefined (a plain GET)
   */
  readonly requestInit?: RequestInit;
}

/** {@link TfjsBackendOptions} with defaults applied. */
export interface ResolvedTfjsBackendOptions {
  readonly runtime: TfjsRuntime | 'auto';
  readonly wasmPaths: string | Readonly<Record<string, string>> | undefined;
  readonly warmup: boolean;
  readonly requestInit: RequestInit | undefined;
}

const KNOWN_OPTIONS = ['runtime', 'wasmPaths', 'warmup', 'requestInit'] as const;
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Validates {@link TfjsBackendOptions} and applies defaults. Throws `InvalidOptionError` naming the option. */
export function resolveTfjsOptions(options: TfjsBackendOptions | undefined): ResolvedTfjsBackendOptions {
  if (options === undefined) options = {};
  rejectUnknown(optionsObject(options, 'options', { call: 'tfjs(options)' }), KNOWN_OPTIONS, 'a tfjs()');
  const runtime = oneOf(options.runtime, 'options.runtime', ['auto', ...TFJS_RUNTIMES] as const, 'auto');

  const { wasmPaths } = options;
  if (wasmPaths !== undefined) {
    if (typeof wasmPaths === 'string') {
      if (wasmPaths === '') throw new InvalidOptionError('options.wasmPaths', 'options.wasmPaths must not be empty: give the folder holding the .wasm files');
    } else if (typeof wasmPaths === 'object' && wasmPaths !== null && !Array.isArray(wasmPaths)) {
      const missing = WASM_BINARIES.filter((name) => typeof wasmPaths[name] !== 'string' || wasmPaths[name] === '');
      if (missing.length > 0) {
        throw new InvalidOptionError(
          'options.wasmPaths',
          `options.wasmPaths as a map must give a location for each of ${WASM_BINARIES.join(', ')}; missing: ${missing.join(', ')}`,
        );
      }
    } else {
      throw new InvalidOptionError(
        'options.wasmPaths',
        `options.wasmPaths must be a folder (a string ending in '/') or a map of the .wasm file names to locations, got ${describeValue(wasmPaths)}`,
      );
    }
  }

  const warmup = booleanOption(options.warmup, 'options.warmup', true);

  const { requestInit } = options;
  if (requestInit !== undefined && (typeof requestInit !== 'object' || requestInit === null || Array.isArray(requestInit))) {
    throw new InvalidOptionError('options.requestInit', `options.requestInit must be a fetch RequestInit object, got ${describeValue(requestInit)}`);
  }

  return Object.freeze({ runtime, wasmPaths, warmup, requestInit });
}

