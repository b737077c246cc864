import { BACKEND_CONTRACT_VERSION, type Backend, BackendUnavailableError, describeValue, InvalidOptionError, type LoadOptions, type ModelSource, readRegularFile } from '@yolokit/core';
import { hasWebgpuAdapter, positiveInteger } from '@yolokit/core/internal';
import type * as OrtModule from 'onnxruntime-web';
import { importRuntime } from './import-runtime.js';
import type { FileReader } from './model-source.js';
import { type OnnxRuntimeBinding, type OnnxSession, loadOnnxSession } from './onnx-session.js';
import { checkOptionsObject, executionProviderList, type OnnxExecutionProvider } from './validate-options.js';

/**
 * Where onnxruntime-web finds its WebAssembly files: a folder prefix ending in `/` (a URL, or a path in
 * Node), or the URL of each file.
 */
export type OnnxWasmPaths = string | URL | { readonly wasm?: string | URL; readonly mjs?: string | URL };

/** Options of {@link onnxWeb}. Each is validated when `onnxWeb()` is called. */
export interface OnnxWebBackendOptions {
  /**
   * Execution providers, in order of preference: `'wasm'` (WebAssembly on the CPU, everywhere; `'cpu'` is an
   * alias), `'webgpu'` and `'webnn'` (browsers that offer them). Names or onnxruntime's options objects.
   * A provider that is not available here makes `load()` reject with a `BackendUnavailableError` listing the
   * available ones; add `'wasm'` after `'webgpu'` to run the operators WebGPU lacks.
   *
   * In browsers the list also picks which build of onnxruntime-web is loaded: without `'webgpu'` or `'webnn'`,
   * its WebAssembly-only build (`onnxruntime-web/wasm`, a 14 MB `ort-wasm-simd-threaded.wasm`); with either,
   * its full build (a 28 MB `ort-wasm-simd-threaded.jsep.wasm`). The smaller file downloads and compiles in
   * half the time, and the browser's background compilation of the larger one slows the page's own code for
   * seconds after the session exists. A build, once loaded, serves later backends of the page or worker too.
   *
   * @defaultValue `['wasm']`
   */
  readonly executionProviders?: readonly OnnxExecutionProvider[];
  /**
   * WebAssembly threads. onnxruntime-web reads this once per JavaScript realm (page, worker or Node
   * process), when its runtime starts, so every `onnxWeb()` backend in a realm must agree on it. In browsers
   * more than one thread needs a cross-origin isolated page (COOP/COEP headers); elsewhere onnxruntime falls
   * back to one thread with a warning.
   *
   * @defaultValue onnxruntime-web's choice: half the logical cores, at most 4, in Node and on cross-origin
   *   isolated pages; 1 elsewhere
   */
  readonly numThreads?: number;
  /**
   * Where the `.wasm`/`.mjs` files of onnxruntime-web are, when the default does not find them (a bundler
   * that does not emit them, a CDN, a self-hosted copy). Read once per realm, like `numThreads`.
   *
   * @defaultValue beside onnxruntime-web's own script: in Node its `dist/` folder in `node_modules`, which
   *   needs no setting; in browsers the folder the bundler or the page served the script from
   */
  readonly wasmPaths?: OnnxWasmPaths;
}

const OPTION_NAMES = ['executionProviders', 'numThreads', 'wasmPaths'] as const;

const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * The settings that reached each onnxruntime-web build's global `env` before its WebAssembly runtime started,
 * once it has: they cannot change afterwards in this realm.
 */
const startedBuilds = new WeakMap<Ort, { numThreads: number; wasmPaths: string | undefined }>();

/**
 * The onnxruntime-web backend: runs ONNX models with WebAssembly (in browsers and in Node) or WebGPU (in
 * browsers). In Node it needs no native binary and no setting: onnxruntime-web finds its `.wasm` beside its
 * own script in `node_modules`. Prefer {@link onnx} from the main entry in Node when speed matters.
 *
 * @param options - see {@link OnnxWebBackendOptions}.
 * @throws `InvalidOptionError` for an option of the wrong type or out of range.
 *
 * @example
 * ```ts
 * import { onnxWeb } from '@yolokit/backend-onnx/web';
 * import { createModel } from '@yolokit/core';
 *
 * const model = await createModel({ backend: onnxWeb({ executionProviders: ['webgpu', 'wasm'] }), model: '/models/yolov8n.onnx' });
 * const result = await model.predict(document.querySelector('img')!);
 * console.log(result.detections.length);
 * await model.dispose();
 * ```
 */
export function onnxWeb(options?: OnnxWebBackendOptions): Backend {
  const given = checkOptionsObject(options, 'onnxWeb', OPTION_NAMES);
  const { providers, names } = executionProviderList(given.executionProviders, 'options.executionProviders', ['wasm']);
  const numThreads = positiveInteger(given.numThreads, 'options.numThreads');
  const wasmPaths = normaliseWasmPaths(given.wasmPaths);
  const sessionOptions: OrtModule.InferenceSession.SessionOptions = { executionProviders: providers };

  return {
    name: 'onnxruntime-web',
    contractVersion: BACKEND_CONTRACT_VERSION,
    async load(source: ModelSource, loadOptions?: LoadOptions): Promise<OnnxSession> {
      checkProvidersAvailable(names);
      await checkWebgpuAdapter(names);
      const ort = await runtimeFor(names);
      checkStartSettings(ort, numThreads, wasmPaths);
      const binding: OnnxRuntimeBinding = {
        runtimeName: 'onnxruntime-web',
        createSession: async (bytes) => {
          startRuntime(ort, numThreads, wasmPaths);
          return ort.InferenceSession.create(bytes, sessionOptions);
        },
        createTensor: (data, dims) => new ort.Tensor('float32', data, dims),
        describeRuntime: () => {
          const threads = ort.env.wasm.numThreads ?? 1;
          return `onnxruntime-web ${ort.env.versions.web ?? ort.env.versions.common} (${names.join(', ')}, ${threads} thread${threads === 1 ? '' : 's'})`;
        },
        classifyCreateError: (error) => classifyProviderFailure(error, names),
        readFile: inNode ? readNodeFile : undefined,
      };
      return loadOnnxSession(source, loadOptions, binding);
    },
  };
}

type Ort = typeof OrtModule;

/** The builds of onnxruntime-web this realm has imported, each once. */
const builds: { wasmOnly?: Promise<Ort>; full?: Promise<Ort> } = {};

/**
 * The onnxruntime-web build that runs `names`. In browsers, WebAssembly alone gets the `onnxruntime-web/wasm`
 * build, whose `ort-wasm-simd-threaded.wasm` is 14 MB against the full build's 28 MB
 * `ort-wasm-simd-threaded.jsep.wasm` (WebGPU and WebNN kernels): Chromium compiles a module that size in the
 * background after the session exists, and the docs demo measured its first image's preprocessing at about
 * twice its settled time while it did (bench/browser-after-load.mjs). A full build already loaded here serves
 * WebAssembly too, so a page that asked for WebGPU once does not start a second runtime. In Node the package's
 * `node` export is already WebAssembly only.
 */
function runtimeFor(names: readonly string[]): Promise<Ort> {
  const full = inNode || names.some((name) => name === 'webgpu' || name === 'webnn');
  if (full) {
    builds.full ??= importRuntime('onnxruntime-web', () => import('onnxruntime-web'));
    return builds.full;
  }
  if (builds.full) return builds.full;
  builds.wasmOnly ??= importRuntime('onnxruntime-web', () => import('onnxruntime-web/wasm'));
  return builds.wasmOnly;
}

function normaliseWasmPaths(value: unknown): string | { wasm?: string; mjs?: string } | undefined {
  const option = 'options.wasmPaths';
  if (value === undefined) return undefined;
  if (value instanceof URL) return folderPrefix(value.href, option);
  if (typeof value === 'string') return folderPrefix(value, option);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: { wasm?: string; mjs?: string } = {};
    for (const [key, entry] of Object.entries(value)) {
      if (key !== 'wasm' && key !== 'mjs') {
        throw new InvalidOptionError(`${option}.${key}`, `${option} may only have the keys wasm and mjs (URLs of onnxruntime-web's files), got ${option}.${key}`);
      }
      if (entry instanceof URL) out[key] = entry.href;
      else if (typeof entry === 'string' && entry !== '') out[key] = entry;
      else if (entry !== undefined) throw new InvalidOptionError(`${option}.${key}`, `${option}.${key} must be a URL or a non-empty string, got ${describeValue(entry)}`);
    }
    return out;
  }
  throw new InvalidOptionError(option, `${option} must be a folder URL ending in '/' or an object { wasm, mjs } of file URLs, got ${describeValue(value)}`);
}

function folderPrefix(prefix: string, option: string): string {
  if (!prefix.endsWith('/') && !prefix.endsWith('\\')) {
    throw new InvalidOptionError(option, `${option} is a folder prefix and must end with '/', got ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

function sameWasmPaths(a: string | { wasm?: string; mjs?: string } | undefined, b: string | undefined): boolean {
  return JSON.stringify(a ?? null) === (b ?? JSON.stringify(null));
}

/** Applies the per-realm settings once, right before the first session starts onnxruntime-web's runtime. */
function startRuntime(ort: Ort, numThreads: number | undefined, wasmPaths: string | { wasm?: string; mjs?: string } | undefined): void {
  if (startedBuilds.has(ort)) return;
  if (numThreads !== undefined) ort.env.wasm.numThreads = numThreads;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
  // onnxruntime-web fills in its default thread count when it starts; record what was asked (or undefined).
  startedBuilds.set(ort, { numThreads: numThreads ?? -1, wasmPaths: wasmPaths === undefined ? undefined : JSON.stringify(wasmPaths) });
}

function checkStartSettings(ort: Ort, numThreads: number | undefined, wasmPaths: string | { wasm?: string; mjs?: string } | undefined): void {
  const started = startedBuilds.get(ort);
  if (!started) return;
  const effective = ort.env.wasm.numThreads;
  if (numThreads !== undefined && numThreads !== effective) {
    throw new InvalidOptionError(
      'options.numThreads',
      `options.numThreads is ${numThreads}, but onnxruntime-web already started in this realm with ${effective ?? 'its default number of'} thread(s) and reads the setting only once; give every onnxWeb() the same numThreads, or leave it unset`,
    );
  }
  if (wasmPaths !== undefined && !sameWasmPaths(wasmPaths, started.wasmPaths)) {
    throw new InvalidOptionError(
      'options.wasmPaths',
      'options.wasmPaths differs from the one onnxruntime-web started with in this realm, and it is read only once; give every onnxWeb() the same wasmPaths, or leave it unset',
    );
  }
}

/** Providers the onnxruntime-web build in use registers, and the platform can run. */
function availableProviders(): string[] {
  if (inNode) return ['wasm', 'cpu'];
  const available = ['wasm', 'cpu'];
  const nav = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: unknown; ml?: unknown });
  if (nav?.gpu) available.push('webgpu');
  if (nav?.ml) available.push('webnn');
  return available;
}

function checkProvidersAvailable(names: readonly string[]): void {
  const available = availableProviders();
  const missing = names.find((name) => !available.includes(name));
  if (missing !== undefined) throw unavailable(missing, available);
}

/**
 * A browser can have navigator.gpu and no adapter (no GPU, or WebGPU blocked for it). onnxruntime-web would then
 * drop 'webgpu' with a console warning and run everything on the providers after it, while the runtime's
 * description still named WebGPU; asking for an adapter first turns that into the error a listed provider that
 * cannot start gets.
 */
async function checkWebgpuAdapter(names: readonly string[]): Promise<void> {
  if (inNode || !names.includes('webgpu') || (await hasWebgpuAdapter())) return;
  throw unavailable('webgpu', availableProviders().filter((name) => name !== 'webgpu'), 'navigator.gpu.requestAdapter() gave no adapter');
}

function classifyProviderFailure(error: unknown, names: readonly string[]): BackendUnavailableError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const lower = message.toLowerCase();
  const culprit = names.find((name) => name !== 'wasm' && name !== 'cpu' && lower.includes(name.toLowerCase()));
  // It failed to start, so it is not available after all (navigator.gpu can exist without a usable adapter).
  if (culprit) return unavailable(culprit, availableProviders().filter((name) => name !== culprit), message, error);
  // onnxruntime-web reports a WebAssembly runtime that could not start (files not found, no SIMD) this way.
  if (/no available backend found|backend not found|initWasm|initializeWebAssembly|fetching of the wasm/i.test(message)) {
    return new BackendUnavailableError(
      `onnxruntime-web could not start its WebAssembly runtime: ${message}. Check that its .wasm files are reachable (options.wasmPaths); a failed start is final for this page, worker or process.`,
      availableProviders(),
      { cause: error },
    );
  }
  return undefined;
}

function unavailable(name: string, available: readonly string[], detail?: string, cause?: unknown): BackendUnavailableError {
  const where = inNode ? 'onnxruntime-web in Node' : 'onnxruntime-web in this browser';
  const reason = detail ? `could not be started by ${where}: ${detail.split('\n')[0]}` : `is not available in ${where}`;
  let hint = "Use one of the available providers, such as executionProviders: ['wasm'].";
  if (name === 'webgpu' || name === 'webnn') {
    hint = inNode
      ? `In Node onnxruntime-web runs only 'wasm'; for a GPU use onnx() from '@yolokit/backend-onnx' (its 'cuda' or 'webgpu' provider).`
      : detail !== undefined && name === 'webgpu'
        ? "This browser has WebGPU (navigator.gpu) but gave no usable GPU adapter (no GPU, or WebGPU blocked for it); use ['wasm'] here, and list 'webgpu' only where navigator.gpu.requestAdapter() gives an adapter."
        : `This browser does not offer ${name === 'webgpu' ? 'WebGPU (navigator.gpu)' : 'WebNN (navigator.ml)'}; add 'wasm' as a fallback.`;
  } else if (['cuda', 'tensorrt', 'coreml', 'dml'].includes(name)) {
    hint = `'${name}' is a provider of onnxruntime-node: use onnx() from '@yolokit/backend-onnx' in Node.`;
  }
  return new BackendUnavailableError(`execution provider '${name}' ${reason}. Available providers: ${available.join(', ')}. ${hint}`, available, { cause });
}

/**
 * core's `readRegularFile` (regular files only, at most `maxBytes`), used only when a path is loaded in Node;
 * it imports `node:fs` itself on first use, so this entry still bundles for browsers.
 */
const readNodeFile: FileReader = (path, options) => readRegularFile(path, options);
