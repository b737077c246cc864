import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '@yolokit/core';
import { hasWebgpuAdapter } from '@yolokit/core/internal';
import type { ResolvedTfjsBackendOptions, TfjsRuntime } from './options.js';

/** What differs between the Node and the browser entry. */
export interface Platform {
  /** `'node'` or `'browser'`: picks the order `'auto'` tries runtimes in. */
  readonly kind: 'node' | 'browser';
  /** Imports an npm package by name; rejects when it is not installed (or not resolvable in a browser). */
  importPackage(specifier: string): Promise<unknown>;
  /** The `.wasm` location to use when `options.wasmPaths` is not given; `undefined` keeps TF.js' default. */
  defaultWasmPaths(): Promise<string | undefined>;
}

interface RuntimeSpec {
  /** The npm package that provides the runtime. */
  readonly packageName: string;
  /** The name TF.js registers the backend under. */
  readonly tfBackend: string;
  /** Why the runtime cannot work here, before trying to import anything; `undefined` when it may work. */
  readonly unusableHere?: (platform: Platform) => string | undefined;
  /** Like `unusableHere`, for what only an asynchronous question can tell. */
  readonly unusableNow?: () => Promise<string | undefined>;
  /** For dependencies: a literal import, so that bundlers include the package. Optional peers have none. */
  readonly load?: () => Promise<unknown>;
}

const RUNTIMES: Readonly<Record<TfjsRuntime, RuntimeSpec>> = {
  'tfjs-node-gpu': {
    packageName: '@tensorflow/tfjs-node-gpu',
    tfBackend: 'tensorflow',
    unusableHere: (platform) => (platform.kind === 'node' ? undefined : 'it needs Node.js (libtensorflow with CUDA)'),
  },
  'tfjs-node': {
    packageName: '@tensorflow/tfjs-node',
    tfBackend: 'tensorflow',
    unusableHere: (platform) => (platform.kind === 'node' ? undefined : 'it needs Node.js (libtensorflow)'),
  },
  wasm: { packageName: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm', load: () => import('@tensorflow/tfjs-backend-wasm') },
  cpu: { packageName: '@tensorflow/tfjs-backend-cpu', tfBackend: 'cpu', load: () => import('@tensorflow/tfjs-backend-cpu') },
  webgl: {
    packageName: '@tensorflow/tfjs-backend-webgl',
    tfBackend: 'webgl',
    unusableHere: () =>
      typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined' ? undefined : 'it needs a browser with WebGL (no canvas here)',
  },
  webgpu: {
    packageName: '@tensorflow/tfjs-backend-webgpu',
    tfBackend: 'webgpu',
    unusableHere: () =>
      typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu ? undefined : 'it needs a browser with WebGPU (no navigator.gpu here)',
    // navigator.gpu can exist without an adapter (no GPU, or WebGPU blocked for it): then it is not available.
    unusableNow: async () =>
      (await hasWebgpuAdapter()) ? undefined : 'this browser has WebGPU (navigator.gpu) but gave no GPU adapter (no GPU, or WebGPU blocked for it)',
  },
};

const INSTALL_NOTES: Partial<Record<TfjsRuntime, string>> = {
  'tfjs-node-gpu': ' (it downloads libtensorflow with CUDA support at install time and needs an NVIDIA GPU with CUDA and cuDNN)',
  'tfjs-node': ' (it downloads libtensorflow at install time)',
  webgl: ' and import it in your bundle',
  webgpu: ' and import it in your bundle',
};

/** The likely cause when TF.js' setBackend returns false, which is all it says (the reason goes to console.warn). */
const INIT_FAILURE_HINTS: Partial<Record<TfjsRuntime, string>> = {
  wasm: '; are its .wasm files where options.wasmPaths says?',
  // TF.js warns "WebGL is not supported on this device": turned off, or no GPU and no software rasterizer.
  webgl: '; is WebGL turned off or unavailable in this browser?',
};

/** The order `'auto'` tries runtimes in, per platform. */
export const AUTO_ORDER: Readonly<Record<Platform['kind'], readonly TfjsRuntime[]>> = {
  node: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'],
  browser: ['webgpu', 'webgl', 'wasm', 'cpu'],
};

/** The npm package that provides a runtime. */
export function packageOf(runtime: TfjsRuntime): string {
  return RUNTIMES[runtime].packageName;
}

/** The name TF.js registers a runtime's backend under (`tensorflow` for tfjs-node and tfjs-node-gpu). */
export function tfBackendOf(runtime: TfjsRuntime): string {
  return RUNTIMES[runtime].tfBackend;
}

/** The runtime a {@link tfjs} backend runs on, and why others were passed over. */
export interface RuntimeSelection {
  /** The runtime in use. */
  readonly runtime: TfjsRuntime;
  /** The TF.js backend name (`wasm`, `cpu`, `tensorflow`, `webgl`, `webgpu`). */
  readonly tfBackend: string;
  /** For reports: `"tfjs 4.22.0 (wasm)"`. */
  readonly description: string;
  /** Runtimes `'auto'` tried first and skipped, with the reason (not installed, failed to initialise). */
  readonly skipped: readonly { readonly runtime: TfjsRuntime; readonly reason: string }[];
}

/** Why a runtime could not be activated. */
class RuntimeUnavailable extends Error {
  constructor(
    readonly runtime: TfjsRuntime,
    readonly notInstalled: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Picks and initialises the runtime the options ask for. Rejects with `BackendUnavailableError`. */
export async function selectRuntime(options: ResolvedTfjsBackendOptions, platform: Platform): Promise<RuntimeSelection> {
  if (options.runtime !== 'auto') {
    try {
      await activate(options.runtime, options, platform);
      return selection(options.runtime, []);
    } catch (error) {
      if (!(error instanceof RuntimeUnavailable)) throw error;
      const available = await availableRuntimes(platform, options.runtime);
      const alternatives = `the runtimes available here (${available.length > 0 ? available.join(', ') : 'none'}) or runtime 'auto'`;
      const advice = error.notInstalled
        ? `Install it with \`npm install ${packageOf(options.runtime)}\`${INSTALL_NOTES[options.runtime] ?? ''}, or use one of ${alternatives}.`
        : `Use one of ${alternatives}.`;
      throw new BackendUnavailableError(`TF.js runtime '${options.runtime}' is not available: ${error.message}. ${advice}`, available, {
        cause: error.cause ?? error,
      });
    }
  }
  const skipped: { runtime: TfjsRuntime; reason: string }[] = [];
  for (const runtime of AUTO_ORDER[platform.kind]) {
    try {
      await activate(runtime, options, platform);
      return selection(runtime, skipped);
    } catch (error) {
      if (!(error instanceof RuntimeUnavailable)) throw error;
      skipped.push({ runtime, reason: error.message });
    }
  }
  throw new BackendUnavailableError(
    `no TF.js runtime could be initialised here: ${skipped.map((s) => `${s.runtime}: ${s.reason}`).join('; ')}`,
    [],
  );
}

function selection(runtime: TfjsRuntime, skipped: RuntimeSelection['skipped']): RuntimeSelection {
  return Object.freeze({
    runtime,
    tfBackend: tfBackendOf(runtime),
    description: `tfjs ${tf.version_core} (${runtime})`,
    skipped: Object.freeze([...skipped]),
  });
}

/** Makes `runtime` TF.js' active backend, importing its package first. Throws {@link RuntimeUnavailable}. */
async function activate(runtime: TfjsRuntime, options: ResolvedTfjsBackendOptions, platform: Platform): Promise<void> {
  const spec = RUNTIMES[runtime];
  const unusable = spec.unusableHere?.(platform) ?? (await spec.unusableNow?.());
  if (unusable) throw new RuntimeUnavailable(runtime, false, unusable);

  // tfjs-node and tfjs-node-gpu register the same backend name, so their package is always imported to know
  // which one is present. Others may have been imported (registered) by the application itself, which is the
  // way to use webgl/webgpu in a browser bundle: `import '@tensorflow/tfjs-backend-webgl'`.
  const mustImport = spec.tfBackend === 'tensorflow' || runtime === 'wasm' || tf.findBackendFactory(spec.tfBackend) === null;
  let module: unknown;
  if (mustImport) {
    try {
      module = await (spec.load ? spec.load() : platform.importPackage(spec.packageName));
    } catch (error) {
      if (tf.findBackendFactory(spec.tfBackend) !== null && spec.tfBackend !== 'tensorflow') {
        // Registered by the application; the package is just not resolvable from here.
      } else if (isNotInstalled(error, spec.packageName)) {
        throw new RuntimeUnavailable(runtime, true, `${spec.packageName} is not installed`, { cause: error });
      } else {
        throw new RuntimeUnavailable(runtime, false, `${spec.packageName} failed to load: ${messageOf(error)}`, { cause: error });
      }
    }
  }
  if (tf.findBackendFactory(spec.tfBackend) === null) {
    throw new RuntimeUnavailable(
      runtime,
      false,
      `${spec.packageName} loaded but registered no '${spec.tfBackend}' backend with @tensorflow/tfjs-core ${tf.version_core} ` +
        '(are two different versions of @tensorflow/tfjs-core installed?)',
    );
  }

  if (runtime === 'wasm' && tf.findBackend('wasm') === null) {
    // The wasm runtime reads its .wasm binaries once, when it initialises; paths set later are ignored.
    const paths = options.wasmPaths ?? (await platform.defaultWasmPaths());
    const setWasmPaths = exportOf<(paths: string | Record<string, string>) => void>(module, 'setWasmPaths');
    if (paths !== undefined && setWasmPaths) {
      try {
        setWasmPaths(paths as string | Record<string, string>);
      } catch (error) {
        throw new RuntimeUnavailable(runtime, false, `could not set the .wasm paths: ${messageOf(error)}`, { cause: error });
      }
    }
  }

  let initialised: boolean;
  const listenersBefore = runtime === 'wasm' ? processListeners() : undefined;
  try {
    initialised = await tf.setBackend(spec.tfBackend);
  } catch (error) {
    throw new RuntimeUnavailable(runtime, false, `the '${spec.tfBackend}' backend failed to initialise: ${messageOf(error)}`, { cause: error });
  }
  if (listenersBefore) removeEmscriptenListeners(listenersBefore);
  if (!initialised) {
    // TF.js catches the underlying error, logs it with console.warn and returns false.
    const hint = INIT_FAILURE_HINTS[runtime] ?? '';
    throw new RuntimeUnavailable(runtime, false, `the '${spec.tfBackend}' backend failed to initialise (TF.js logged why with console.warn${hint})`);
  }
}

type ProcessLike = {
  listeners(event: string): ((...args: unknown[]) => void)[];
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
};
const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

function processListeners(): Map<string, Set<unknown>> | undefined {
  const process = (globalThis as { process?: ProcessLike }).process;
  if (typeof process?.listeners !== 'function') return undefined;
  return new Map(PROCESS_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
}

/**
 * The wasm runtime's Emscripten module, when it initialises in Node, adds process-wide `uncaughtException` and
 * `unhandledRejection` listeners that rethrow: every unhandled rejection anywhere in the application then
 * crashes the process, whatever handlers the application installed itself (tensorflow/tfjs#5851,
 * emscripten-core/emscripten#7855). The TF.js backend does not need them; remove exactly those two.
 */
function removeEmscriptenListeners(before: Map<string, Set<unknown>>): void {
  const process = (globalThis as { process?: ProcessLike }).process as ProcessLike;
  for (const event of PROCESS_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (before.get(event)?.has(listener)) continue;
      const source = Function.prototype.toString.call(listener);
      if (/ExitStatus|throw reason|abort/.test(source)) process.removeListener(event, listener);
    }
  }
}

/** Runtimes that would load here (their package imports), for error messages. `except` is not probed. */
async function availableRuntimes(platform: Platform, except: TfjsRuntime): Promise<TfjsRuntime[]> {
  const available: TfjsRuntime[] = [];
  for (const runtime of AUTO_ORDER[platform.kind]) {
    if (runtime === except) continue;
    const spec = RUNTIMES[runtime];
    if (spec.unusableHere?.(platform) || (await spec.unusableNow?.())) continue;
    if (spec.tfBackend !== 'tensorflow' && tf.findBackendFactory(spec.tfBackend) !== null) {
      available.push(runtime);
      continue;
    }
    try {
      await (spec.load ? spec.load() : platform.importPackage(spec.packageName));
      available.push(runtime);
    } catch {
      // not available
    }
  }
  return available;
}

/** True when `error` says that `specifier` itself (not something it needs) cannot be resolved. */
function isNotInstalled(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = messageOf(error);
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    return message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`);
  }
  // Browsers: "Failed to resolve module specifier" (Chromium), "The specifier ... was a bare specifier" (Firefox).
  return message.includes(specifier) && /resolve|bare specifier|Cannot find/i.test(message);
}

function exportOf<T>(module: unknown, name: string): T | undefined {
  const record = module as Record<string, unknown> | undefined;
  const value = record?.[name] ?? (record?.default as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'function' ? (value as T) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
