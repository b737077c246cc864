/// <reference lib="webworker" />
/**
 * The demo's Web Worker: loads a model with onnxruntime-web (`onnxWeb` from `@yolokit/backend-onnx/web`) and
 * runs `@yolokit/core`'s browser pipeline on it (createImageBitmap + OffscreenCanvas decoding, the JS
 * letterbox, decoding and NMS), so that inference never blocks the page. One model at a time; requests are
 * handled in the order they arrive.
 */
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel, type Backend, YoloError, type YoloModel } from '@yolokit/core';
import type { DemoRequest, DemoResponse, LoadedModelInfo, LoadRequest, PredictRequest } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

let model: YoloModel | undefined;
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<DemoRequest>) => {
  const request = event.data;
  // One request at a time: a new model must not be swapped in under a prediction that is running.
  queue = queue.then(() => handle(request));
};

async function handle(request: DemoRequest): Promise<void> {
  try {
    if (request.type === 'load') await load(request);
    else await predict(request);
  } catch (error) {
    reply(errorResponse(request, error));
  }
}

async function load(request: LoadRequest): Promise<void> {
  const started = performance.now();
  const previous = model;
  model = undefined;
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
  try {
    checkUsable(loaded);
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
    task: info.metadata.task,
    description: info.metadata.description,
    outputShape: info.outputs[0]?.shape ?? [],
  };
  reply({ type: 'loaded', id: request.id, info: modelInfo, loadMs: performance.now() - started, providerNote });
}

async function predict(request: PredictRequest): Promise<void> {
  if (!model) {
    reply({ type: 'error', id: request.id, stage: 'predict', code: 'NO_MODEL', message: 'No model is loaded: pick a model file or give its URL first.' });
    return;
  }
  const started = performance.now();
  const result = await model.predict(new Uint8Array(request.image), { conf: request.conf, iou: request.iou });
  reply({ type: 'result', id: request.id, result: { ...result.toJSON(), source: request.name }, workerMs: performance.now() - started });
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
 * other than detection, or a fixed output shape that no detection decoder reads.
 */
function checkUsable(loaded: YoloModel): void {
  const { task } = loaded.info.metadata;
  if (task !== undefined && task !== 'detect') {
    throw new YoloError(
      'MODEL_OUTPUT_UNSUPPORTED',
      `this is a '${task}' model (its metadata says task=${task}); the demo runs detection models (task=detect)`,
    );
  }
  const shape = loaded.info.outputs[0]?.shape ?? [];
  if (shape.length > 0 && shape.every((dim) => dim > 0)) loaded.outputFormatOf(shape);
}

function errorResponse(request: DemoRequest, error: unknown): DemoResponse {
  const stage = request.type === 'load' ? 'load' : 'predict';
  if (YoloError.isInstance(error)) return { type: 'error', id: request.id, stage, code: error.code, message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { type: 'error', id: request.id, stage, code: 'INTERNAL', message };
}

function reply(response: DemoResponse): void {
  self.postMessage(response);
}
