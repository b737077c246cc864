import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import {
  type BackendSession,
  DisposedError,
  type Float32Tensor,
  InferenceError,
  InvalidOptionError,
  type TensorInfo,
  type TensorLayout,
} from '@yolokit/core';
import { SerialQueue } from './serial-queue.js';

/** Everything a session needs, worked out while loading. */
export interface TfjsSessionInit {
  readonly model: GraphModel;
  /** The TF.js backend name the weights live on (`wasm`, `cpu`, `tensorflow`, ...). */
  readonly tfBackend: string;
  /** `"tfjs 4.22.0 (wasm)"`. */
  readonly runtime: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** True when the graph has control flow, dynamic-shape or hash-table ops, or an initializer graph. */
  readonly needsAsync: boolean;
  /** True when the graph has dynamic-shape ops (NMS, Where): output sizes depend on the input's values. */
  readonly dynamicOutputs: boolean;
}

/** The name the graph executor is fed with, and the public description of the image input. */
interface ImageInput {
  readonly feedName: string;
  readonly info: TensorInfo;
}

/**
 * A TF.js graph model loaded on one TF.js runtime. Create it with `tfjs().load(...)`.
 *
 * Calls to {@link run} are serialised: TF.js keeps process-wide engine state (the active backend, the scope
 * stack that `tidy` and `keep` rely on) and the graph executor keeps per-model state (its tensor maps, the
 * resource manager, the initializer results) across the awaits of `executeAsync` and of reading outputs.
 * Interleaving two calls on one model lets one call see the other's half-finished state, so each call runs
 * alone, in call order. This costs no parallelism on wasm, cpu and tfjs-node, where inference runs
 * synchronously on the calling thread anyway; for parallel inference use several workers or processes.
 */
export class TfjsSession implements BackendSession {
  readonly inputs: readonly TensorInfo[];
  readonly layout: TensorLayout;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly runtime: string;
  #outputs: TensorInfo[];
  readonly #model: GraphModel;
  readonly #tfBackend: string;
  readonly #image: ImageInput;
  readonly #outputNames: readonly string[];
  readonly #queue = new SerialQueue();
  readonly #dynamicOutputs: boolean;
  #needsAsync: boolean;
  #outputsKnown = false;
  #disposed = false;
  #disposal: Promise<void> | undefined;

  constructor(init: TfjsSessionInit) {
    this.#model = init.model;
    this.#tfBackend = init.tfBackend;
    this.runtime = init.runtime;
    this.metadata = Object.freeze({ ...init.metadata });
    this.#needsAsync = init.needsAsync;
    this.#dynamicOutputs = init.dynamicOutputs;

    const inputs = init.model.inputs.map((input, index) => ({
      feedName: init.model.inputNodes[index] ?? input.name,
      info: Object.freeze({ name: input.name, shape: Object.freeze(normaliseShape(input.shape)) }) as TensorInfo,
      dtype: input.dtype,
    }));
    if (inputs.length === 0) throw new Error('the graph has no input placeholder');
    // Ultralytics exports name the image placeholder `x` and list no inputs in their signature; the converter
    // then takes the graph's placeholders. The image is the float input of rank 4 with 3 channels.
    const imageIndex = Math.max(0, inputs.findIndex((input) => isImageShape(input.info.shape) && (input.dtype ?? 'float32') === 'float32'));
    this.#image = inputs[imageIndex];
    this.inputs = Object.freeze([inputs[imageIndex].info, ...inputs.filter((_, index) => index !== imageIndex).map((input) => input.info)]);
    this.layout = layoutOf(this.#image.info.shape);

    this.#outputNames = init.model.outputNodes;
    this.#outputs = init.model.outputs.map((output) => ({ name: output.name, shape: Object.freeze([]) as readonly number[] }));
  }

  /**
   * The model's outputs in the order {@link run} returns them. TF.js graph models do not store output shapes;
   * they are learnt from the warm-up run while loading (or from the first `run` without warm-up). Dimensions
   * that depend on the input size (dynamic inputs) or on the input's values (graphs with NMS) are `-1`.
   */
  get outputs(): readonly TensorInfo[] {
    return this.#outputs;
  }

  /**
   * Runs the model on warm-up inputs (zeros) to initialise kernels and learn the output shapes. A dynamic
   * input is probed at two sizes so that the output dimensions that follow the input size are marked `-1`.
   * @internal Called once by the backend while loading.
   */
  async warmup(imgsz: readonly [number, number] | undefined): Promise<void> {
    const [height, width] = imgsz ?? [640, 640];
    const first = concreteShape(this.#image.info.shape, this.layout, height, width);
    const dims = (await this.#queue.run(() => this.#execute(tf.zeros(first, 'float32')))).map((output) => output.dims);
    let shapes = dims;
    if (this.#image.info.shape.some((dim) => dim < 0)) {
      const second = concreteShape(this.#image.info.shape, this.layout, height + 32, width + 32);
      const other = (await this.#queue.run(() => this.#execute(tf.zeros(second, 'float32')))).map((output) => output.dims);
      shapes = dims.map((shape, i) => shape.map((dim, d) => (other[i]?.[d] === dim ? dim : -1)));
      if (this.#image.info.shape[0] < 0) shapes = shapes.map((shape) => shape.map((dim, d) => (d === 0 && dim === 1 ? -1 : dim)));
    }
    this.#learnOutputs(shapes);
  }

  run(input: Float32Tensor): Promise<Float32Tensor[]> {
    if (this.#disposed) return Promise.reject(new DisposedError('this TF.js session'));
    try {
      this.#checkInput(input);
    } catch (error) {
      return Promise.reject(error);
    }
    // Accepted calls run even if dispose() is called meanwhile: the disposal is queued after them.
    return this.#queue.run(async () => {
      const outputs = await this.#execute(input);
      if (!this.#outputsKnown) this.#learnOutputs(outputs.map((output) => output.dims));
      return outputs;
    });
  }

  dispose(): Promise<void> {
    if (this.#disposal) return this.#disposal;
    this.#disposed = true;
    // Calls queued before dispose() finish first; the weights are freed after them.
    this.#disposal = this.#queue.run(async () => {
      this.#model.dispose();
    });
    return this.#disposal;
  }

  /** Executes the graph on `input` (the caller's data, or a warm-up tensor it then disposes) and reads every output. */
  async #execute(input: Float32Tensor | tf.Tensor): Promise<Float32Tensor[]> {
    let outputs: tf.Tensor[] = [];
    try {
      // Another session (or the application) may have switched TF.js' global backend since this model was
      // loaded; its weights live on this one, so switch back rather than copy them on every op.
      if (tf.getBackend() !== this.#tfBackend) await tf.setBackend(this.#tfBackend);
      outputs = await this.#invoke(input);
      const results: Float32Tensor[] = [];
      for (const output of outputs) {
        const values = await output.data();
        // A graph that passes its input straight through may hand back the caller's own array (the cpu
        // backend keeps input arrays without copying): never return a view of the input.
        const data = values instanceof Float32Array && !sharesBuffer(values, input) ? values : Float32Array.from(values as ArrayLike<number>);
        results.push({ data, dims: Object.freeze([...output.shape]) });
      }
      return results;
    } catch (error) {
      throw new InferenceError(`${this.runtime} failed to run the model: ${(error as Error).message}`, { cause: error });
    } finally {
      for (const output of outputs) output.dispose();
      if (input instanceof tf.Tensor) input.dispose();
    }
  }

  /** `execute` inside `tidy` where the graph allows it (every intermediate freed), else `executeAsync`. */
  async #invoke(input: Float32Tensor | tf.Tensor): Promise<tf.Tensor[]> {
    const feed = this.#image.feedName;
    const names = [...this.#outputNames];
    const toTensor = () => (input instanceof tf.Tensor ? input : tf.tensor(input.data, [...input.dims], 'float32'));
    if (!this.#needsAsync) {
      try {
        return tf.tidy(() => asList(this.#model.execute({ [feed]: toTensor() }, names)));
      } catch (error) {
        // Graphs whose dynamic ops are not among those checked at load time say so when executed.
        if (!/executeAsync/.test((error as Error).message)) throw error;
        this.#needsAsync = true;
      }
    }
    const tensor = toTensor();
    try {
      return asList(await this.#model.executeAsync({ [feed]: tensor }, names));
    } finally {
      if (tensor !== input) tensor.dispose();
    }
  }

  #learnOutputs(shapes: readonly (readonly number[])[]): void {
    this.#outputs = this.#outputs.map((output, i) => ({
      name: output.name,
      shape: Object.freeze((shapes[i] ?? []).map((dim) => (this.#dynamicOutputs ? -1 : dim))),
    }));
    this.#outputsKnown = true;
  }

  #checkInput(input: Float32Tensor): void {
    if (typeof input !== 'object' || input === null || !(input.data instanceof Float32Array) || !Array.isArray(input.dims)) {
      throw new InvalidOptionError('input', 'run(input): input must be a { data: Float32Array, dims: number[] } tensor');
    }
    const expected = this.#image.info.shape;
    const { dims } = input;
    const matches =
      dims.length === expected.length && dims.every((dim, i) => Number.isInteger(dim) && dim > 0 && (expected[i] < 0 || expected[i] === dim));
    if (!matches) {
      throw new InvalidOptionError(
        'input.dims',
        `run(input): input.dims [${dims.join(', ')}] do not fit the model's input '${this.#image.info.name}' [${expected.join(', ')}] (-1 is any size)`,
      );
    }
    const size = dims.reduce((product, dim) => product * dim, 1);
    if (input.data.length !== size) {
      throw new InvalidOptionError('input.data', `run(input): input.data has ${input.data.length} values but dims [${dims.join(', ')}] need ${size}`);
    }
  }
}

function asList(result: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor[] {
  if (result instanceof tf.Tensor) return [result];
  if (Array.isArray(result)) return result;
  return Object.values(result);
}

function sharesBuffer(values: ArrayBufferView, input: Float32Tensor | tf.Tensor): boolean {
  return !(input instanceof tf.Tensor) && values.buffer === input.data.buffer;
}

/** TF.js reports unknown dimensions as -1 (or null in older exports), and an unknown rank as no shape. */
function normaliseShape(shape: readonly (number | null)[] | undefined): number[] {
  if (!shape) return [-1, -1, -1, -1];
  return shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
}

function isImageShape(shape: readonly number[]): boolean {
  return shape.length === 4 && (shape[3] === 3 || shape[1] === 3 || shape[3] === -1);
}

/** TF.js exports are NHWC; a rank-4 input with 3 channels in dimension 1 (and not 3) is NCHW. */
function layoutOf(shape: readonly number[]): TensorLayout {
  return shape.length === 4 && shape[1] === 3 && shape[3] !== 3 ? 'NCHW' : 'NHWC';
}

/** The input shape with unknown dimensions filled: batch 1, 3 channels, the given height and width. */
function concreteShape(shape: readonly number[], layout: TensorLayout, height: number, width: number): number[] {
  const [b, h, w, c] = layout === 'NHWC' ? [0, 1, 2, 3] : [0, 2, 3, 1];
  const out = [...shape];
  if (out.length !== 4) return out.map((dim) => (dim < 0 ? 1 : dim));
  if (out[b] < 0) out[b] = 1;
  if (out[h] < 0) out[h] = height;
  if (out[w] < 0) out[w] = width;
  if (out[c] < 0) out[c] = 3;
  return out;
}
