/// <reference lib="webworker" />
/**
 * The demo's Web Worker: loads a model with onnxruntime-web (`onnxWeb` from `@yolokit/backend-onnx/web`) and
 * runs `@yolokit/core`'s pipeline on it (the JS letterbox, or a classifier's resize and centre crop, the run,
 * decoding, NMS, and masks, keypoints or oriented boxes for segmentation, pose and OBB models, a classifier's
 * probabilities), so that inference never blocks the page. One model at a time; predictions
 * run in the order they arrive.
 *
 * Images are decoded here rather than inside `model.predict`: decoding starts as soon as an image arrives (while
 * a model is still loading, or the previous image still running), one canvas is reused for every image, and the
 * page can show each stage on its own. Every stage is also a `performance.measure` entry (`yolokit-demo …`), so
 * it shows up in the browser's profiler.
 */
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { type Backend, createModel, ImageDecodeError, type RawImage, type Result, YoloError, type YoloModel } from '@yolokit/core';
import type { DemoRequest, DemoResponse, LoadedModelInfo, LoadRequest, PredictFrameRequest, PredictRequest, PredictStages } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let model: YoloModel | undefined;
/** Predictions of the current model, the warm-up not counted. */
let runs = 0;
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<DemoRequest>) => {
  const request = event.data;
  if (request.type === 'predict') {
    const received = performance.now();
    // Decoding needs no model: it starts now, beside a model that is loading or an image that is running.
    const decoded = decodeImage(request);
    decoded.catch(() => undefined);
    queue = queue.then(() => handle(request, () => predict(request, decoded, received)));
  } else if (request.type === 'predict-frame') {
    queue = queue.then(() => handle(request, () => predictFrame(request)));
  } else {
    // One request at a time: a new model must not be swapped in under a prediction that is running.
    queue = queue.then(() => handle(request, () => load(request)));
  }
};

async function handle(request: DemoRequest, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    reply(errorResponse(request, error));
  }
}

async function load(request: LoadRequest): Promise<void> {
  const started = performance.now();
  const previous = model;
  model = undefined;
  runs = 0;
  await previous?.dispose();

  const source = request.model.kind === 'bytes' ? new Uint8Array(request.model.bytes) : request.model.url;
  const name = request.model.kind === 'bytes' ? request.model.name : request.model.url;
  const { providers, note } = await chooseProviders(request.provider);
  let loaded: YoloModel;
  let used = providers;
  let providerNote = note;
  try {
    loaded = await createModel({ backend: backendFor(request, providers), model: source });
  } catch (error) {
    // `auto` tried WebGPU and the browser could not start it: say so and run on WebAssembly.
    if (request.provider !== 'auto' || providers[0] !== 'webgpu' || !(YoloError.isInstance(error) && error.code === 'BACKEND_UNAVAILABLE')) throw error;
    used = ['wasm'];
    providerNote = `WebGPU could not start (${error.message.split('. ')[0]}); running on WebAssembly.`;
    loaded = await createModel({ backend: backendFor(request, used), model: source });
  }
  const loadMs = measure('load', started);
  let warmUp: Result | undefined;
  try {
    checkUsable(loaded);
    if (request.warmUp) warmUp = await runWarmUp(loaded);
  } catch (error) {
    await loaded.dispose();
    throw error;
  }
  model = loaded;
  const { info } = loaded;
  const modelInfo: LoadedModelInfo = {
    name,
    runtime: info.runtime,
    providers: used,
    imgsz: info.imgsz,
    classCount: info.metadata.classCount,
    task: info.task,
    description: info.metadata.description,
    outputShapes: info.outputs.map((output) => output.shape),
  };
  reply({ type: 'loaded', id: request.id, info: modelInfo, loadMs, warmUp: warmUp?.speed, providerNote });
}

/**
 * The model's first run, on a blank frame of its input size: it pays what only a first run pays (compiling the
 * letterbox and tensor code, onnxruntime-web compiling and allocating for each kernel on first use) before the
 * reader's image arrives. The frame is what a canvas gives, four channels in a `Uint8ClampedArray`: code
 * compiled for another kind of array would be compiled again for the first real image.
 */
async function runWarmUp(loaded: YoloModel): Promise<Result> {
  const [height, width] = loaded.info.imgsz;
  const blank: RawImage = { data: new Uint8ClampedArray(width * height * 4).fill(114), width, height, channels: 4 };
  const started = performance.now();
  const result = await loaded.predict(blank);
  measureSpeed('warm-up', started, result);
  return result;
}

async function predict(request: PredictRequest, decoded: Promise<DecodedImage>, received: number): Promise<void> {
  const image = await decoded;
  if (!model) {
    reply({ type: 'error', id: request.id, stage: 'predict', code: 'NO_MODEL', message: 'No model is loaded: pick a model file or give its URL first.' });
    return;
  }
  const started = performance.now();
  // NMS's IoU does not apply to a classifier, which refuses it rather than ignore it.
  const options = model.info.task === 'classify' ? { conf: request.conf } : { conf: request.conf, iou: request.iou };
  const result = await model.predict(image.pixels, options);
  runs += 1;
  measureSpeed(`#${runs}`, started, result);
  const transferStarted = performance.now();
  const wire = result.toWire('bytes');
  const stages: PredictStages = {
    decode: image.decodeMs,
    pixels: image.pixelsMs,
    waiting: Math.max(0, started - image.readyAt),
    ...result.speed,
    transfer: measure('transfer', transferStarted),
  };
  // Mask bits and keypoints move to the page instead of being copied: each buffer listed once, and only a
  // buffer the view spans whole (a view into a larger buffer is copied, the rest of that buffer stays here).
  const buffers = new Set<ArrayBuffer>();
  const move = (view: ArrayBufferView) => {
    if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) buffers.add(view.buffer as ArrayBuffer);
  };
  for (const d of wire.detections) {
    if (d.mask && typeof d.mask.bits !== 'string') move(d.mask.bits);
    if (d.keypoints && !Array.isArray(d.keypoints.data)) move(d.keypoints.data as Float32Array);
  }
  reply({ type: 'result', id: request.id, result: { ...wire, source: request.name }, stages, workerMs: performance.now() - received, run: runs }, [...buffers]);
}

/** A camera frame (the webcam mode): RGBA pixels from the page, predicted as they are. */
async function predictFrame(request: PredictFrameRequest): Promise<void> {
  if (!model) {
    reply({ type: 'error', id: request.id, stage: 'predict', code: 'NO_MODEL', message: 'No model is loaded: pick a model file or give its URL first.' });
    return;
  }
  const pixels: RawImage = { data: new Uint8ClampedArray(request.pixels), width: request.width, height: request.height, channels: 4 };
  const options = model.info.task === 'classify' ? { conf: request.conf } : { conf: request.conf, iou: request.iou };
  const result = await model.predict(pixels, options);
  reply({ type: 'frame-result', id: request.id, result: result.toWire('bytes') });
}

interface DecodedImage {
  readonly pixels: RawImage;
  readonly decodeMs: number;
  readonly pixelsMs: number;
  /** `performance.now()` when the pixels were ready. */
  readonly readyAt: number;
}

/** The one canvas every image is drawn on: a new canvas per image costs a new backing store each time. */
let canvas: OffscreenCanvas | undefined;
let canvasContext: OffscreenCanvasRenderingContext2D | undefined;

/** The image's RGBA pixels, as `CanvasImageDecoder` in core gets them (no ICC profile applied, EXIF orientation applied). */
async function decodeImage(request: PredictRequest): Promise<DecodedImage> {
  const started = performance.now();
  if (request.image.byteLength === 0) throw new ImageDecodeError(request.name, `image ${request.name} is empty (0 bytes)`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([request.image]), { colorSpaceConversion: 'none' });
  } catch (error) {
    throw new ImageDecodeError(request.name, `could not decode image ${request.name}: ${(error as Error).message}. Give a JPEG, PNG, WebP or GIF.`, {
      cause: error,
    });
  }
  const decodeMs = measure('decode', started);
  const drawStarted = performance.now();
  try {
    const { width, height } = bitmap;
    if (!canvas || !canvasContext) {
      canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('the browser gave no 2D canvas context');
      canvasContext = context;
    } else if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    } else {
      canvasContext.clearRect(0, 0, width, height);
    }
    canvasContext.drawImage(bitmap, 0, 0);
    const { data } = canvasContext.getImageData(0, 0, width, height);
    const pixelsMs = measure('pixels', drawStarted);
    return { pixels: { data, width, height, channels: 4 }, decodeMs, pixelsMs, readyAt: performance.now() };
  } finally {
    bitmap.close();
  }
}

/** Records `yolokit-demo <name>` from `start` to now in the performance timeline; returns its milliseconds. */
function measure(name: string, start: number, end = performance.now()): number {
  performance.measure(`yolokit-demo ${name}`, { start, end });
  return end - start;
}

/** The stages yolokit timed inside one `predict` that began at `start`, as timeline entries. */
function measureSpeed(label: string, start: number, result: Result): void {
  const { preprocess, inference, postprocess } = result.speed;
  measure(`${label} preprocess`, start, start + preprocess);
  measure(`${label} inference`, start + preprocess, start + preprocess + inference);
  measure(`${label} postprocess`, start + preprocess + inference, start + preprocess + inference + postprocess);
}

function backendFor(request: LoadRequest, providers: readonly ('wasm' | 'webgpu')[]): Backend {
  return onnxWeb({ executionProviders: providers, wasmPaths: request.wasmPaths, numThreads: request.numThreads });
}

/** WebGPU first where the browser has an adapter for it (with wasm for the operators WebGPU lacks), else wasm. */
async function chooseProviders(choice: LoadRequest['provider']): Promise<{ providers: ('wasm' | 'webgpu')[]; note: string | undefined }> {
  if (choice === 'wasm') return { providers: ['wasm'], note: undefined };
  if (choice === 'webgpu') return { providers: ['webgpu', 'wasm'], note: undefined };
  const gpu = (self.navigator as WorkerNavigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return { providers: ['wasm'], note: 'This browser has no WebGPU; running on WebAssembly.' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { providers: ['wasm'], note: 'WebGPU offers no GPU adapter here; running on WebAssembly.' };
  return { providers: ['webgpu', 'wasm'], note: undefined };
}

/**
 * Refuses, at load time, a model the demo cannot use, so the person hears it before picking an image: a task
 * yolokit does not run, or outputs that no decoder reads. The library's message names the task and the shapes
 * it saw.
 */
function checkUsable(loaded: YoloModel): void {
  const shapes = loaded.info.outputs.map((output) => output.shape);
  if (shapes.length > 0 && shapes.every((shape) => shape.length > 1 && shape.slice(1).every((dim) => dim > 0))) {
    loaded.taskLayoutOf(shapes);
    return;
  }
  const { task } = loaded.info.metadata;
  if (task !== undefined && loaded.info.task === undefined) {
    throw new YoloError('MODEL_OUTPUT_UNSUPPORTED', `this is a '${task}' model (its metadata says task=${task}); the demo runs detection, segmentation, pose, oriented-box and classification models`);
  }
}

function errorResponse(request: DemoRequest, error: unknown): DemoResponse {
  const stage = request.type === 'load' ? 'load' : 'predict';
  if (YoloError.isInstance(error)) return { type: 'error', id: request.id, stage, code: error.code, message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { type: 'error', id: request.id, stage, code: 'INTERNAL', message };
}

function reply(response: DemoResponse, transfer: Transferable[] = []): void {
  self.postMessage(response, transfer);
}
