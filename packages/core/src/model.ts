import { type Backend, type BackendSession, DEFAULT_MAX_MODEL_BYTES, DEFAULT_MODEL_TIMEOUT_MS, type Float32Tensor, type ModelSource, type TensorInfo, type TensorLayout } from './backend.js';
import { DisposedError, InferenceError, InvalidOptionError, ModelLoadError, throwIfAborted, UnsupportedOutputError, YoloError } from './errors.js';
import { checkImageBytes, DEFAULT_MAX_IMAGE_BYTES, type DecodeImageOptions, type ImageDecoder, type ImageInput, type LetterboxedImage } from './image-input.js';
import { MAX_TIMER_MS, positiveInteger } from './option-checks.js';
import { type ModelMetadata, parseUltralyticsMetadata } from './metadata.js';
import { modelInputSize } from './model-input-size.js';
import type { OutputFormat } from './output-format.js';
import { type PredictOptions, type ResolvedPredictOptions, resolvePredictOptions } from './predict-options.js';
import { Result } from './result.js';
import { decodeTask } from './task-heads.js';
import { checkClassifyOptions } from './task-options.js';
import { resolveTaskLayout, type SupportedTask, type TaskLayout } from './task-layout.js';
import { pixelsToTensor } from './tensor.js';

/** Spare input buffers a model keeps: enough for the predictions a model overlaps in practice. */
const MAX_SPARE_INPUTS = 4;

/**
 * Options of {@link createModel}.
 *
 * @typeParam TInput - the images the model's `predict` takes: its decoder's (`ImageInput` with sharp in Node,
 * `BrowserImageInput` with the canvas in browsers)
 */
export interface CreateModelOptions<TInput = ImageInput> {
  /** The runtime, such as `onnx()` from `@yolokit/backend-onnx`. */
  readonly backend: Backend;
  /** The model: a path, URL or bytes, as the backend accepts. */
  readonly model: ModelSource;
  /** Prediction defaults for this model; each call may override them. */
  readonly defaults?: Omit<PredictOptions, 'signal'>;
  /**
   * Decodes and letterboxes images.
   * @defaultValue sharp in Node (`SharpImageDecoder`), canvas in browsers (`CanvasImageDecoder`)
   */
  readonly imageDecoder?: ImageDecoder<TInput>;
  /**
   * Whether the model's boxes are normalised to 0..1 (some TF.js exports) rather than input pixels.
   * @defaultValue 'auto' (decided from each output's values)
   */
  readonly normalizedBoxes?: boolean | 'auto';
  /** Class names to use instead of the model's own metadata. */
  readonly names?: Readonly<Record<number, string>>;
  /** Cancels loading. */
  readonly signal?: AbortSignal;
  /**
   * Most bytes of one image: an image file (a path or `file:` URL), a download, encoded bytes or raw pixels
   * larger than this is refused with an `ImageDecodeError` (`IMAGE_UNREADABLE`) that gives its size, before it
   * is read or decoded. Paths must name regular files (a FIFO or a device such as `/dev/zero` is refused
   * without being read).
   *
   * @defaultValue {@link DEFAULT_MAX_IMAGE_BYTES} (256 MiB)
   */
  readonly maxImageBytes?: number;
  /**
   * Most bytes of the model, passed to the backend as `LoadOptions.maxBytes`: a larger model file or
   * download is refused with a `ModelLoadError` (`MODEL_INVALID`) that gives its size.
   *
   * @defaultValue {@link DEFAULT_MAX_MODEL_BYTES} (2 GiB − 1 byte, the largest ONNX file)
   */
  readonly maxModelBytes?: number;
  /**
   * Milliseconds a model download (an http(s) URL) may take, passed to the backend as `LoadOptions.timeoutMs`.
   *
   * @defaultValue {@link DEFAULT_MODEL_TIMEOUT_MS} (300 000, 5 minutes)
   */
  readonly modelTimeoutMs?: number;
}

/** What a loaded model is, for reports and decisions. */
export interface ModelInfo {
  readonly backend: string;
  readonly runtime: string;
  readonly layout: TensorLayout;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Input size `[height, width]` used when a call gives no `imgsz`. */
  readonly imgsz: readonly [number, number];
  /** Whether the input accepts other sizes (a dynamic input). */
  readonly dynamicInput: boolean;
  readonly metadata: ModelMetadata;
  /**
   * What the model does, from its `task` metadata confirmed by its output shapes (or from the shapes alone).
   * `undefined` only when the outputs' shapes are not known before a run (some TF.js graphs).
   */
  readonly task: SupportedTask | undefined;
}

/**
 * Loads a model, decoding images with `fallbackDecoder()` when the options name no decoder. Each entry of the
 * package (Node, browser) wraps this as `createModel` with its platform's decoder.
 * @internal
 */
export async function loadModel<TInput>(options: CreateModelOptions<TInput>, fallbackDecoder: () => ImageDecoder<TInput>): Promise<YoloModel<TInput>> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'createModel(options): options must be an object with { backend, model }');
  }
  const { backend, model } = options;
  if (!backend || typeof backend.load !== 'function') {
    throw new InvalidOptionError('options.backend', 'options.backend must be a Backend, such as onnx() from @yolokit/backend-onnx');
  }
  if (model === undefined || model === null || model === '') {
    throw new InvalidOptionError(
      'options.model',
      'options.model is required: a path or URL of an Ultralytics export (yolo export model=yolov8n.pt format=onnx) or its bytes',
    );
  }
  const normalizedBoxes = options.normalizedBoxes ?? 'auto';
  if (normalizedBoxes !== 'auto' && typeof normalizedBoxes !== 'boolean') {
    throw new InvalidOptionError('options.normalizedBoxes', `options.normalizedBoxes must be true, false or 'auto', got ${String(normalizedBoxes)}`);
  }
  const defaults = resolvePredictOptions(options.defaults as PredictOptions | undefined, {}, 'options.defaults');
  const maxImageBytes = positiveInteger(options.maxImageBytes, 'options.maxImageBytes', DEFAULT_MAX_IMAGE_BYTES);
  const maxBytes = positiveInteger(options.maxModelBytes, 'options.maxModelBytes', DEFAULT_MAX_MODEL_BYTES);
  const timeoutMs = positiveInteger(options.modelTimeoutMs, 'options.modelTimeoutMs', DEFAULT_MODEL_TIMEOUT_MS, MAX_TIMER_MS);
  let session: BackendSession;
  try {
    session = await backend.load(model, { signal: options.signal, maxBytes, timeoutMs });
  } catch (error) {
    if (YoloError.isInstance(error)) throw error;
    throw new ModelLoadError('MODEL_INVALID', String(model), `backend ${backend.name} could not load the model: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return new YoloModel(session, backend.name, {
      defaults,
      imageDecoder: options.imageDecoder ?? fallbackDecoder(),
      normalizedBoxes,
      names: options.names,
      maxImageBytes,
      source: describeModelSource(model),
    });
  } catch (error) {
    // A model refused after loading (an input too large to feed) frees its session.
    await session.dispose().catch(() => undefined);
    throw error;
  }
}

function describeModelSource(model: ModelSource): string {
  if (typeof model === 'string') return model;
  if (model instanceof URL) return model.href;
  if (ArrayBuffer.isView(model) || model instanceof ArrayBuffer) return `<${model.constructor.name} ${model.byteLength} bytes>`;
  return String(model);
}

/**
 * A loaded YOLO detector. Stateless between calls: per-call options are arguments, so one model can serve
 * concurrent calls (whether the runtime runs them in parallel is the backend's and the strategy's business).
 *
 * @typeParam TInput - the images `predict` takes, its decoder's: `ImageInput` in Node, `BrowserImageInput`
 * (adds `ImageData`, `ImageBitmap`, `HTMLImageElement`, canvases, `VideoFrame`) with the browser build
 */
export class YoloModel<TInput = ImageInput> {
  /** The backend session, for advanced use such as benchmarking a bare `run`. */
  readonly session: BackendSession;
  readonly info: ModelInfo;
  readonly #defaults: ResolvedPredictOptions;
  readonly #decoder: ImageDecoder<TInput>;
  readonly #normalizedBoxes: boolean | 'auto';
  readonly #names: Readonly<Record<number, string>>;
  readonly #maxImageBytes: number;
  /**
   * Input buffers of finished runs, written again by later predictions: the first writes to a fresh 4.9 MB
   * buffer (640×640) page-fault, which cost about as much as the conversion itself (bench/README.md). The
   * Backend contract lets no session keep the input after its run settles.
   */
  readonly #spareInputs: Float32Array[] = [];
  /** Whether inputs are a classifier's centre crop rather than the letterbox. */
  #classifier: boolean;
  /** Output layouts by output shapes: resolved once, read on every prediction. */
  readonly #layouts = new Map<string, TaskLayout>();
  #disposed = false;

  /** @internal Use {@link createModel}. */
  constructor(
    session: BackendSession,
    backendName: string,
    config: {
      defaults: ResolvedPredictOptions;
      imageDecoder: ImageDecoder<TInput>;
      normalizedBoxes: boolean | 'auto';
      names?: Readonly<Record<number, string>>;
      /** @defaultValue {@link DEFAULT_MAX_IMAGE_BYTES} */
      maxImageBytes?: number;
      /** The model's path, URL or size, for messages. */
      source?: string;
    },
  ) {
    this.session = session;
    const parsed = parseUltralyticsMetadata(session.metadata);
    const metadata = config.names ? { ...parsed, names: config.names, classCount: Object.keys(config.names).length } : parsed;
    const { size, dynamic } = modelInputSize(session.inputs[0], session.layout, metadata.imgsz, config.source ?? `of ${backendName}`);
    // The task as the declared output shapes confirm it; a layout that cannot be decoded is reported by
    // predict() with the shapes the run produced (declared shapes may be partly dynamic).
    const declared = session.outputs.map((o) => o.shape);
    let staticLayout: TaskLayout | undefined;
    if (declared.length > 0 && declared.every((d) => d.length > 1 && d.slice(1).every((n) => n > 0))) {
      try {
        staticLayout = this.#resolveLayout(declared, metadata, session.layout);
      } catch {
        staticLayout = undefined;
      }
    }
    this.info = Object.freeze({
      backend: backendName,
      runtime: session.runtime,
      layout: session.layout,
      inputs: session.inputs,
      outputs: session.outputs,
      imgsz: size,
      dynamicInput: dynamic,
      metadata,
      task: staticLayout?.task ?? (typeof metadata.task === 'string' && ['detect', 'segment', 'pose', 'obb', 'classify'].includes(metadata.task) ? (metadata.task as SupportedTask) : undefined),
    });
    this.#classifier = this.info.task === 'classify';
    this.#defaults = config.defaults;
    this.#decoder = config.imageDecoder;
    this.#normalizedBoxes = config.normalizedBoxes;
    this.#names = metadata.names;
    this.#maxImageBytes = config.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  }

  /** Class names by id. */
  get names(): Readonly<Record<number, string>> {
    return this.#names;
  }

  /**
   * Detects objects in one image (with masks, keypoints or oriented boxes for segmentation, pose and obb models),
   * or classifies it (classify models: `probs` and `top5`, no detections).
   */
  async predict(image: TInput, options?: PredictOptions): Promise<Result> {
    if (this.#disposed) throw new DisposedError('This model');
    const resolved = resolvePredictOptions(options, this.#defaults);
    const signal = options?.signal;
    throwIfAborted(signal);
    const [height, width] = this.#inputSizeFor(resolved);
    if (this.#classifier) checkClassifyOptions(resolved);

    const t0 = performance.now();
    // Bytes and raw pixels by value are checked here, whatever the decoder; paths by the decoder that reads them.
    checkImageBytes(image as ImageInput, this.#maxImageBytes);
    const decodeOptions = { signal, maxBytes: this.#maxImageBytes };
    const { pixels, geometry } = this.#classifier
      ? await this.#classifyCrop(image, width, height, decodeOptions)
      : await this.#decoder.letterbox(image, { width, height }, decodeOptions);
    const input = pixelsToTensor(pixels, width, height, this.session.layout, this.#spareInputs.pop());
    let outputs: Float32Tensor[];
    let t1: number;
    try {
      throwIfAborted(signal);
      t1 = performance.now();
      outputs = await this.#run(input);
    } finally {
      if (this.#spareInputs.length < MAX_SPARE_INPUTS) this.#spareInputs.push(input.data);
    }
    throwIfAborted(signal);
    const t2 = performance.now();

    const layout = this.taskLayoutOf(outputs.map((o) => o.dims));
    if (layout.task === 'classify' && !this.#classifier) {
      // A classifier told only by its output (no task metadata, output shapes unknown before a run): its input is
      // the centre crop, not the letterbox, so predict again with it (once: the model remembers).
      this.#classifier = true;
      return this.predict(image, options);
    }
    const findings = decodeTask(layout, { outputs, geometry, options: resolved, names: this.#names, normalizedBoxes: this.#normalizedBoxes });
    const t3 = performance.now();
    return new Result({
      source: typeof image === 'string' ? image : image instanceof URL ? image.href : undefined,
      width: geometry.sourceWidth,
      height: geometry.sourceHeight,
      ...findings,
      task: layout.task,
      speed: { preprocess: t1 - t0, inference: t2 - t1, postprocess: t3 - t2 },
    });
  }

  /** The decoder chosen for a detection output of these dimensions (throws for an unsupported layout). */
  outputFormatOf(dims: readonly number[]): OutputFormat {
    const layout = this.taskLayoutOf([dims]);
    if (layout.task === 'classify') throw new UnsupportedOutputError(dims, `[${dims.join(', ')}] is a classifier's output, not a detection output`);
    return layout.format;
  }

  /**
   * How this model's outputs are read, from outputs of these dimensions (throws an `UnsupportedOutputError`
   * naming the task and shapes for a layout yolokit does not decode).
   */
  taskLayoutOf(outputs: readonly (readonly number[])[]): TaskLayout {
    const key = outputs.map((d) => d.join('x')).join('|');
    const cached = this.#layouts.get(key);
    if (cached) return cached;
    const layout = this.#resolveLayout(outputs, this.info.metadata, this.session.layout);
    this.#layouts.set(key, layout);
    return layout;
  }

  #resolveLayout(outputs: readonly (readonly number[])[], metadata: ModelMetadata, layout: TensorLayout): TaskLayout {
    const { classCount, end2end, task, kptShape } = metadata;
    return resolveTaskLayout(outputs, { task, classCount: classCount || undefined, end2end, kptShape, layout });
  }

  /** A classifier's input: Ultralytics' classify transform (a square crop), from the decoder. */
  async #classifyCrop(image: TInput, width: number, height: number, options: DecodeImageOptions): Promise<LetterboxedImage> {
    if (width !== height) {
      throw new InvalidOptionError('options.imgsz', `a classifier's input is square (Ultralytics' classify transform crops imgsz × imgsz); this one is ${height}x${width}`);
    }
    if (!this.#decoder.classifyCrop) {
      throw new InvalidOptionError(
        'options.imageDecoder',
        "this model is a classifier, and its image decoder has no classifyCrop() to make a classifier's input (the short side resized, the centre cropped); add one, or use the default decoder",
      );
    }
    return this.#decoder.classifyCrop(image, width, options);
  }

  /** Frees the runtime session. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#spareInputs.length = 0;
    await this.session.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  #inputSizeFor(options: ResolvedPredictOptions): readonly [number, number] {
    if (options.imgsz === undefined) return this.info.imgsz;
    const requested: [number, number] =
      typeof options.imgsz === 'number' ? [options.imgsz, options.imgsz] : [options.imgsz[0], options.imgsz[1]];
    if (!this.info.dynamicInput && (requested[0] !== this.info.imgsz[0] || requested[1] !== this.info.imgsz[1])) {
      throw new InvalidOptionError(
        'options.imgsz',
        `options.imgsz ${requested.join('x')} does not fit this model: its input is fixed at ${this.info.imgsz.join('x')}; re-export it with imgsz=${requested[0]} or drop the option`,
      );
    }
    return requested;
  }

  async #run(input: Float32Tensor): Promise<Float32Tensor[]> {
    let outputs: Float32Tensor[];
    try {
      outputs = await this.session.run(input);
    } catch (error) {
      if (YoloError.isInstance(error)) throw error;
      throw new InferenceError(`${this.info.runtime} failed to run the model: ${(error as Error).message}`, { cause: error });
    }
    if (!outputs || outputs.length === 0) throw new InferenceError(`${this.info.runtime} returned no output`);
    return outputs;
  }
}
