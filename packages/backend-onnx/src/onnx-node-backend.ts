import { isMainThread } from 'node:worker_threads';
import { BACKEND_CONTRACT_VERSION, type Backend, BackendUnavailableError, type LoadOptions, type ModelSource, readRegularFile } from '@yolokit/core';
import { booleanOption, oneOf, positiveInteger } from '@yolokit/core/internal';
import type * as OrtNode from 'onnxruntime-node';
import { importRuntime } from './import-runtime.js';
import { type OnnxRuntimeBinding, type OnnxSession, loadOnnxSession } from './onnx-session.js';
import { applyTelemetryChoice, warnUnlessSwitchReachesRuntime } from './onnx-telemetry.js';
import { checkOptionsObject, executionProviderList, type OnnxExecutionProvider } from './validate-options.js';

/** How much onnxruntime rewrites the graph before running it. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** Whether onnxruntime runs independent branches of the graph one after another or in parallel. */
export type ExecutionMode = 'sequential' | 'parallel';

/** Options of {@link onnx}. Each is validated when `onnx()` is called. */
export interface OnnxNodeBackendOptions {
  /**
   * Execution providers, in order of preference: onnxruntime assigns each graph node to the first provider
   * that can run it. Names (`'cpu'`, `'cuda'`, `'tensorrt'`, `'coreml'`, `'dml'`, `'webgpu'`, ...) or
   * onnxruntime's options objects (`{ name: 'cuda', deviceId: 1 }`) are passed to onnxruntime unchanged.
   * Every provider listed must be available: one this install of onnxruntime-node cannot provide makes
   * `load()` reject with a `BackendUnavailableError` that lists the available ones, instead of quietly running
   * elsewhere. List `'cpu'` last to let it run the operators another provider lacks.
   *
   * @defaultValue `['cpu']`
   */
  readonly executionProviders?: readonly OnnxExecutionProvider[];
  /**
   * Threads used inside one operator (a convolution is split across them). The main lever on CPU speed;
   * measure: on a shared machine fewer threads per session and more sessions can win.
   *
   * @defaultValue onnxruntime's choice: one thread per physical core
   */
  readonly intraOpNumThreads?: number;
  /**
   * Threads used to run independent operators at once; only used when `executionMode` is `'parallel'`.
   *
   * @defaultValue onnxruntime's choice
   */
  readonly interOpNumThreads?: number;
  /**
   * Graph optimizations applied when the session is created (`'disabled'`, `'basic'`, `'extended'` or
   * `'all'`). Lower levels load faster and help when debugging a numerical difference.
   *
   * @defaultValue `'all'`
   */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * `'sequential'` runs operators one after another; `'parallel'` runs independent branches at once using
   * `interOpNumThreads` threads. YOLO graphs are mostly a chain, so `'parallel'` rarely helps.
   *
   * @defaultValue `'sequential'`
   */
  readonly executionMode?: ExecutionMode;
  /**
   * Whether onnxruntime's own telemetry may run. The official onnxruntime-node binaries for Linux and macOS
   * (1.29 and later) carry Microsoft's telemetry client, on by default: it writes `mat-debug-<pid>.log` into
   * the temp folder, an event store and a device id under `~/.cache/Microsoft/`, and uploads usage events
   * (the runtime, the model, the hardware, timings) to Microsoft. yolokit turns it off: before each session is
   * created it sets onnxruntime's documented switch, the environment variable `ORT_DISABLE_TELEMETRY=1`,
   * unless the environment already sets that variable.
   *
   * - Left out: off, unless the environment sets `ORT_DISABLE_TELEMETRY` itself (`ORT_DISABLE_TELEMETRY=0`
   *   opts in every yolokit process started with it: the CLI, process pools, queue workers).
   * - `false`: off, even when the environment says `ORT_DISABLE_TELEMETRY=0`.
   * - `true`: opt in (onnxruntime's default), unless the environment sets `ORT_DISABLE_TELEMETRY=1`: the
   *   operator's opt-out wins over code. onnxruntime itself stays silent under CI variables (`CI=true`, ...).
   *
   * onnxruntime reads the switch once per process, when its first session is created, so the first session's
   * choice holds for every later session of the process, whatever their options. Native code reads the
   * process's environment, which a worker thread started without `env: SHARE_ENV` cannot write: there the
   * switch is set by the main thread or not at all, and `load()` emits a `YOLOKIT_ORT_TELEMETRY` warning.
   *
   * @defaultValue `false`, unless the environment sets `ORT_DISABLE_TELEMETRY`
   */
  readonly telemetry?: boolean;
}

const OPTION_NAMES = ['executionProviders', 'intraOpNumThreads', 'interOpNumThreads', 'graphOptimizationLevel', 'executionMode', 'telemetry'] as const;
const GRAPH_OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const EXECUTION_MODES: readonly ExecutionMode[] = ['sequential', 'parallel'];

/**
 * The onnxruntime-node backend: runs ONNX models in Node.js with the native onnxruntime, on the CPU by default.
 * Options are validated here, synchronously; the runtime and providers are checked when a model is loaded.
 *
 * @param options - see {@link OnnxNodeBackendOptions}.
 * @throws `InvalidOptionError` for an option of the wrong type or out of range.
 *
 * @example
 * ```ts
 * import { onnx } from '@yolokit/backend-onnx';
 * import { createModel } from '@yolokit/core';
 *
 * const model = await createModel({ backend: onnx({ intraOpNumThreads: 2 }), model: 'yolov8n.onnx' });
 * const result = await model.predict('bus.jpg');
 * console.log(result.detections.length);
 * await model.dispose();
 * ```
 */
export function onnx(options?: OnnxNodeBackendOptions): Backend {
  const given = checkOptionsObject(options, 'onnx', OPTION_NAMES);
  const { providers, names } = executionProviderList(given.executionProviders, 'options.executionProviders', ['cpu']);
  const sessionOptions: OrtNode.InferenceSession.SessionOptions = {
    executionProviders: providers,
    intraOpNumThreads: positiveInteger(given.intraOpNumThreads, 'options.intraOpNumThreads'),
    interOpNumThreads: positiveInteger(given.interOpNumThreads, 'options.interOpNumThreads'),
    graphOptimizationLevel: oneOf(given.graphOptimizationLevel, 'options.graphOptimizationLevel', GRAPH_OPTIMIZATION_LEVELS),
    executionMode: oneOf(given.executionMode, 'options.executionMode', EXECUTION_MODES),
  };
  for (const key of Object.keys(sessionOptions) as (keyof typeof sessionOptions)[]) {
    if (sessionOptions[key] === undefined) delete sessionOptions[key];
  }
  const telemetry = booleanOption(given.telemetry, 'options.telemetry');

  const bindingFor = (ort: Ort): OnnxRuntimeBinding => ({
    runtimeName: 'onnxruntime-node',
    createSession: (bytes) => {
      // onnxruntime decides on telemetry when it creates its environment, at the process's first session.
      if (applyTelemetryChoice(telemetry) === 'wrote' && !isMainThread) warnUnlessSwitchReachesRuntime();
      return ort.InferenceSession.create(bytes, sessionOptions);
    },
    createTensor: (data, dims) => new ort.Tensor('float32', data, dims),
    describeRuntime: () => `onnxruntime-node ${runtimeVersion(ort)} (${names.join(', ')})`,
    classifyCreateError: (error) => classifyProviderFailure(ort, error, names),
    // Regular files only, at most LoadOptions.maxBytes: a FIFO or /dev/zero is refused, not read.
    readFile: readRegularFile,
  });

  return {
    name: 'onnxruntime-node',
    contractVersion: BACKEND_CONTRACT_VERSION,
    async load(source: ModelSource, loadOptions?: LoadOptions): Promise<OnnxSession> {
      const ort = await nodeRuntime();
      // Checked before reading the model: a provider this install lacks fails the same way for every model.
      checkProvidersListed(ort, names);
      return loadOnnxSession(source, loadOptions, bindingFor(ort));
    },
  };
}

type Ort = typeof OrtNode;

let runtime: Promise<Ort> | undefined;

/**
 * onnxruntime-node, imported at the first load (an optional peer dependency: missing, it is a
 * `BackendUnavailableError` naming the install command, not a failure to import this package).
 */
function nodeRuntime(): Promise<Ort> {
  runtime ??= importRuntime('onnxruntime-node', () => import('onnxruntime-node'));
  // A failed import is not cached: installing the runtime and loading again works without a restart.
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}

function runtimeVersion(ort: Ort): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** Providers whose binaries ship inside the onnxruntime-node package (cuda and tensorrt are downloaded apart). */
function bundledProviders(ort: Ort): string[] {
  return ort.listSupportedBackends().filter((backend) => backend.bundled).map((backend) => backend.name);
}

function checkProvidersListed(ort: Ort, names: readonly string[]): void {
  const supported = ort.listSupportedBackends().map((backend) => backend.name);
  const missing = names.filter((name) => !supported.includes(name));
  if (missing.length > 0) throw unavailable(ort, missing[0]);
}

/** A session-creation failure caused by a provider (a library that does not load, no GPU adapter, ...). */
function classifyProviderFailure(ort: Ort, error: unknown, names: readonly string[]): BackendUnavailableError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const lower = message.toLowerCase();
  const others = names.filter((name) => name !== 'cpu');
  // With only the CPU provider a failure is the model's: its messages may name "CPUExecutionProvider" (an
  // operator without a kernel) and must stay MODEL_INVALID.
  if (others.length === 0) return undefined;
  const culprit = others.find((name) => lower.includes(name.toLowerCase()));
  if (culprit) return unavailable(ort, culprit, message, error);
  if (/no available backend found|backend not found|failed to load shared library|AppendExecutionProvider/i.test(message)) {
    return unavailable(ort, others[0], message, error);
  }
  return undefined;
}

function unavailable(ort: Ort, name: string, detail?: string, cause?: unknown): BackendUnavailableError {
  const available = bundledProviders(ort);
  const where = `onnxruntime-node ${runtimeVersion(ort)} on ${process.platform}/${process.arch}`;
  const reason = detail ? `could not be started by ${where}: ${firstLine(detail)}` : `is not available in ${where}`;
  return new BackendUnavailableError(
    `execution provider '${name}' ${reason}. Available providers: ${available.join(', ')}. ${providerHint(name)}`,
    available,
    { cause },
  );
}

function providerHint(name: string): string {
  const lower = name.toLowerCase();
  if (/executionprovider$/.test(lower)) {
    return `onnxruntime's JavaScript API names providers in short lower case: try '${lower.replace(/executionprovider$/, '')}'.`;
  }
  switch (lower) {
    case 'cuda':
    case 'tensorrt':
      return `onnxruntime-node does not bundle the ${name} provider: its install script downloads it (linux/x64 only, CUDA 12 and cuDNN 9 required) unless the install was run with ONNXRUNTIME_NODE_INSTALL=skip; reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a machine with the CUDA libraries, or use executionProviders: ['cpu'].`;
    case 'coreml':
      return 'CoreML is only available on macOS; use executionProviders: [\'cpu\'] elsewhere.';
    case 'dml':
      return 'DirectML is only available on Windows; use executionProviders: [\'cpu\'] elsewhere.';
    case 'webgpu':
      return 'The webgpu provider needs a GPU adapter (Vulkan, Metal or D3D12) that this machine did not offer; use executionProviders: [\'cpu\'].';
    case 'wasm':
      return "'wasm' is onnxruntime-web's provider: use onnxWeb() from '@yolokit/backend-onnx/web', or 'cpu' here.";
    default:
      return "Use one of the available providers, such as executionProviders: ['cpu'].";
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
