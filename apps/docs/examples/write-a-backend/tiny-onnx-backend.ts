/**
 * A complete yolokit backend in one file: onnxruntime-node behind the `Backend` contract of `@yolokit/core`.
 * It passes the conformance suite (see tiny-onnx-backend.conformance.ts), so `createModel` and every
 * concurrency strategy can use it. The real `@yolokit/backend-onnx` adds providers, options and web support.
 */
import { readFile } from 'node:fs/promises';
import { readOnnxMetadata } from '@yolokit/backend-onnx'; // Ultralytics' names, imgsz... from the ONNX file
import {
  AbortError,
  BACKEND_CONTRACT_VERSION,
  type Backend,
  type BackendSession,
  type BackendSpec,
  defineBackendSpec,
  DisposedError,
  type Float32Tensor,
  InferenceError,
  type LoadOptions,
  ModelLoadError,
  type ModelSource,
  type TensorInfo,
} from '@yolokit/core';
import * as ort from 'onnxruntime-node';

// #region backend
/** Options of {@link tinyOnnx}: plain data, so that a worker can receive them. */
export interface TinyOnnxOptions {
  /** onnxruntime's intra-op threads (default: onnxruntime's choice). */
  readonly threads?: number;
}

/** The factory users call: `createModel({ backend: tinyOnnx(), model: 'yolov8n.onnx' })`. */
export function tinyOnnx(options: TinyOnnxOptions = {}): Backend {
  return {
    name: 'tiny-onnx',
    contractVersion: BACKEND_CONTRACT_VERSION,
    async load(source: ModelSource, loadOptions?: LoadOptions): Promise<BackendSession> {
      if (loadOptions?.signal?.aborted) throw new AbortError('loading the model was aborted');
      const { bytes, label } = await readModel(source);
      let metadata: Record<string, string>;
      let session: ort.InferenceSession;
      try {
        metadata = readOnnxMetadata(bytes); // throws for anything that is not an ONNX model
        session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: options.threads });
      } catch (error) {
        throw new ModelLoadError('MODEL_INVALID', label, `${label} is not an ONNX model onnxruntime can load: ${(error as Error).message}`, { cause: error });
      }
      return new TinyOnnxSession(session, metadata, options.threads);
    },
  };
}
// #endregion backend

// #region spec
/**
 * The same backend as data, for the strategies that build their model in worker threads, processes or queue
 * workers: they import `module` themselves and call its `export` with `options`. `threadsOption` tells a pool
 * which option receives its `threadsPerWorker`, so that workers × threads stay within the cores.
 */
export function tinyOnnxSpec(options: TinyOnnxOptions = {}): BackendSpec<TinyOnnxOptions> {
  // Published as a package, `module` is its name ('@acme/yolokit-tiny-onnx'); here, this very module's URL.
  return defineBackendSpec({ module: import.meta.url, export: 'tinyOnnx', options, threadsOption: 'threads' });
}
// #endregion spec

async function readModel(source: ModelSource): Promise<{ bytes: Uint8Array; label: string }> {
  if (source instanceof Uint8Array) return { bytes: source, label: `<${source.byteLength} bytes>` };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), label: `<${source.byteLength} bytes>` };
  const label = String(source);
  try {
    return { bytes: await readFile(source), label };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'MODEL_NOT_FOUND' : 'MODEL_INVALID';
    throw new ModelLoadError(code, label, `cannot read the model ${label}: ${(error as Error).message}`, { cause: error });
  }
}

// #region session
class TinyOnnxSession implements BackendSession {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly layout = 'NCHW' as const; // Ultralytics' ONNX exports take [1, 3, H, W]
  readonly runtime: string;
  readonly #running = new Set<Promise<unknown>>();
  #disposed: Promise<void> | undefined;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: Readonly<Record<string, string>>,
    threads: number | undefined,
  ) {
    this.runtime = `onnxruntime-node ${ort.env.versions.common} (cpu, ${threads === undefined ? 'default threads' : `${threads} intra-op threads`})`;
    this.inputs = describe(session.inputNames, session.inputMetadata);
    this.outputs = describe(session.outputNames, session.outputMetadata);
  }

  run(input: Float32Tensor): Promise<Float32Tensor[]> {
    if (this.#disposed) return Promise.reject(new DisposedError('this tiny-onnx session'));
    const running = this.#run(input);
    this.#running.add(running);
    const forget = () => this.#running.delete(running);
    running.then(forget, forget);
    return running;
  }

  async #run(input: Float32Tensor): Promise<Float32Tensor[]> {
    try {
      const feeds = { [this.session.inputNames[0]]: new ort.Tensor('float32', input.data, input.dims) };
      const results = await this.session.run(feeds);
      // Every output, in `outputs` order, as fresh float32 buffers (Ultralytics exports are float32).
      return this.session.outputNames.map((name) => ({ data: results[name].data as Float32Array, dims: [...results[name].dims] }));
    } catch (error) {
      throw new InferenceError(`tiny-onnx could not run an input of dims [${input.dims.join(', ')}]: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Idempotent; waits for runs in progress before freeing native memory they use. */
  dispose(): Promise<void> {
    this.#disposed ??= Promise.allSettled([...this.#running]).then(() => this.session.release());
    return this.#disposed;
  }
}
// #endregion session

function describe(names: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return names.map((name, index) => {
    const entry = metadata[index];
    // Dynamic dimensions come back as names ("batch") or -1: the contract wants -1.
    const shape = entry?.isTensor ? entry.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)) : [];
    return { name, shape };
  });
}
