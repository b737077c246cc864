import {
  AbortError,
  type BackendSession,
  DisposedError,
  type Float32Tensor,
  InferenceError,
  type LoadOptions,
  type ModelSource,
  ModelLoadError,
  resolveLoadOptions,
  type TensorInfo,
  YoloError,
} from '@yolokit/core';
// Types only: this module is shared by the Node and the web entry and must import neither runtime.
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { type FileReader, readModelSource } from './model-source.js';
import { readOnnxMetadata } from './onnx-metadata.js';

/** Creates a float32 tensor of one runtime (each runtime checks tensors against its own `Tensor` class). */
export type CreateTensor = (data: Float32Array, dims: readonly number[]) => Tensor;

/** What one runtime contributes to {@link loadOnnxSession}. */
export interface OnnxRuntimeBinding {
  /** `onnxruntime-node` or `onnxruntime-web`: names the runtime in messages. */
  readonly runtimeName: string;
  readonly createSession: (bytes: Uint8Array) => Promise<InferenceSession>;
  readonly createTensor: CreateTensor;
  /** `"onnxruntime-node 1.30.0 (cpu)"`; asked after the session exists, when thread counts are settled. */
  readonly describeRuntime: () => string;
  /** Turns a session-creation failure caused by the runtime or a provider into an error; `undefined` otherwise. */
  readonly classifyCreateError: (error: unknown) => YoloError | undefined;
  readonly readFile?: FileReader;
}

/**
 * Loads a model source with one runtime: reads the bytes once, reads the Ultralytics metadata from them,
 * creates the session from the same bytes and wraps it in an {@link OnnxSession}.
 */
export async function loadOnnxSession(source: ModelSource, options: LoadOptions | undefined, binding: OnnxRuntimeBinding): Promise<OnnxSession> {
  const { signal, maxBytes, timeoutMs } = resolveLoadOptions(options);
  const model = await readModelSource(source, { signal, maxBytes, timeoutMs, readFile: binding.readFile });
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(model.bytes);
  } catch (error) {
    // readOnnxMetadata says "not an ONNX model: <why>", about bytes it cannot name; name them.
    throw invalidModel(model.source, `is ${(error as Error).message}`, error);
  }
  throwIfAbortedWhileLoading(signal, model.source);

  let session: InferenceSession;
  try {
    session = await binding.createSession(model.bytes);
  } catch (error) {
    const classified = binding.classifyCreateError(error);
    if (classified) throw classified;
    if (YoloError.isInstance(error)) throw error;
    throw invalidModel(model.source, `is not a model ${binding.runtimeName} can load: ${messageOf(error)}`, error);
  }
  try {
    throwIfAbortedWhileLoading(signal, model.source);
    return new OnnxSession(session, metadata, binding, model.source);
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}

function invalidModel(source: string, detail: string, cause: unknown): ModelLoadError {
  return new ModelLoadError(
    'MODEL_INVALID',
    source,
    `${source} ${detail.replace(/[.\s]+$/, '')}. Pass an .onnx file exported by Ultralytics (yolo export model=yolov8n.pt format=onnx); if it was downloaded or copied, check that it is complete.`,
    { cause },
  );
}

function throwIfAbortedWhileLoading(signal: AbortSignal | undefined, source: string): void {
  if (signal?.aborted) throw new AbortError(`loading ${source} was aborted`, { cause: signal.reason });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A {@link BackendSession} over an onnxruntime `InferenceSession` of either runtime. */
export class OnnxSession implements BackendSession {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  readonly layout = 'NCHW' as const;
  readonly metadata: Readonly<Record<string, string>>;
  readonly runtime: string;
  readonly #session: InferenceSession;
  readonly #createTensor: CreateTensor;
  readonly #inputName: string;
  readonly #outputNames: readonly string[];
  readonly #inFlight = new Set<Promise<unknown>>();
  #disposed: Promise<void> | undefined;

  constructor(session: InferenceSession, metadata: Record<string, string>, binding: OnnxRuntimeBinding, source: string) {
    this.#session = session;
    this.#createTensor = binding.createTensor;
    this.inputs = Object.freeze(describeValues(session.inputNames, session.inputMetadata));
    this.outputs = Object.freeze(describeValues(session.outputNames, session.outputMetadata));
    this.metadata = Object.freeze({ ...metadata });
    this.runtime = binding.describeRuntime();
    if (this.inputs.length === 0 || this.outputs.length === 0) {
      throw new ModelLoadError('MODEL_INVALID', source, `${source} has ${this.inputs.length} inputs and ${this.outputs.length} outputs; a detector needs an image input and an output`);
    }
    const inputType = session.inputMetadata?.[0];
    if (inputType?.isTensor && inputType.type !== 'float32') {
      throw new ModelLoadError(
        'MODEL_INVALID',
        source,
        `${source}: input '${inputType.name}' is ${inputType.type}, but yolokit feeds float32 images; re-export the model without half=True / int8=True on the input (dynamic int8 quantization keeps a float32 input)`,
      );
    }
    this.#inputName = this.inputs[0].name;
    this.#outputNames = this.outputs.map((output) => output.name);
  }

  /**
   * Runs the model on one image tensor. The input's data is handed to the runtime without a copy and no
   * reference to it is kept once the returned promise settles.
   */
  run(input: Float32Tensor): Promise<Float32Tensor[]> {
    if (this.#disposed) return Promise.reject(new DisposedError(`the ${this.runtime} session`));
    const running = this.#run(input);
    this.#inFlight.add(running);
    const forget = () => this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  async #run(input: Float32Tensor): Promise<Float32Tensor[]> {
    const expected = input.dims.reduce((product, dim) => product * dim, 1);
    if (!(input.data instanceof Float32Array) || input.data.length !== expected) {
      const got = input.data instanceof Float32Array ? `${input.data.length} values` : describeData(input.data);
      throw new InferenceError(`the input tensor must be a Float32Array of ${expected} values for dims [${input.dims.join(', ')}], got ${got}`);
    }
    let results: InferenceSession.ReturnType;
    try {
      const tensor = this.#createTensor(input.data, input.dims);
      results = await this.#session.run({ [this.#inputName]: tensor });
    } catch (error) {
      throw new InferenceError(`${this.runtime} failed to run the model on an input of dims [${input.dims.join(', ')}]: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const outputs: Float32Tensor[] = [];
    for (const name of this.#outputNames) {
      const tensor = results[name];
      if (!tensor) throw new InferenceError(`${this.runtime} returned no output named '${name}'`);
      outputs.push({ data: await toFloat32(tensor, name), dims: [...tensor.dims] });
    }
    return outputs;
  }

  /** Waits for runs in progress, then releases the runtime session. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      // Releasing a native session under a run that is still queued would free memory the run is about to use.
      await Promise.allSettled([...this.#inFlight]);
      await this.#session.release();
    })();
    return this.#disposed;
  }
}

/** Converts an output to float32; Ultralytics exports produce float32, other numeric types are converted. */
async function toFloat32(tensor: Tensor, name: string): Promise<Float32Array> {
  // GPU-resident outputs (only when a caller asks onnxruntime-web for them) are downloaded first.
  const data = tensor.location === 'cpu' || tensor.location === undefined ? tensor.data : await tensor.getData(true);
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, halfToFloat);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    return Float32Array.from(data as unknown as ArrayLike<number | bigint>, (value) => Number(value));
  }
  throw new InferenceError(`output '${name}' is a ${tensor.type} tensor, which cannot be read as numbers`);
}

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function describeValues(names: readonly string[], metadata: readonly InferenceSession.ValueMetadata[] | undefined): TensorInfo[] {
  return names.map((name, index) => {
    const entry = metadata?.find((m) => m.name === name) ?? metadata?.[index];
    // Symbolic dimensions come back as their names ("batch", "anchors"), unknown ones as -1 or "".
    const shape = entry?.isTensor ? entry.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)) : [];
    return Object.freeze({ name, shape: Object.freeze(shape) });
  });
}

function describeData(data: unknown): string {
  if (data === null || data === undefined) return String(data);
  return (data as object).constructor?.name ?? typeof data;
}
