/**
 * Messages between the demo page and its Web Worker (`detect-worker.ts`). Everything here survives
 * `structuredClone`; byte buffers are transferred, not copied: the image to the worker, the result's mask bits
 * and keypoints back (`Result.toWire('bytes')`).
 */
import type { ResultWire, Speed, SupportedTask } from '@yolokit/core';

/** Which onnxruntime-web execution provider the user asked for. `auto`: WebGPU when the browser has an adapter, else wasm. */
export type ProviderChoice = 'auto' | 'wasm' | 'webgpu';

/** A model as the user gave it. */
export type DemoModelSource = { readonly kind: 'bytes'; readonly name: string; readonly bytes: ArrayBuffer } | { readonly kind: 'url'; readonly url: string };

export interface LoadRequest {
  readonly type: 'load';
  readonly id: number;
  readonly model: DemoModelSource;
  readonly provider: ProviderChoice;
  /** Absolute URL of the folder the site serves onnxruntime-web's `.wasm` files from, ending in `/`. */
  readonly wasmPaths: string;
  readonly numThreads: number;
  /** Run the model once on a blank frame after loading, so that the reader's first image runs warm. */
  readonly warmUp: boolean;
}

export interface PredictRequest {
  readonly type: 'predict';
  readonly id: number;
  readonly name: string;
  readonly image: ArrayBuffer;
  readonly conf: number;
  readonly iou: number;
}

/**
 * One camera frame for the webcam mode: raw RGBA pixels (as a canvas gives them, read on the page by
 * `@yolokit/stream/browser`), transferred, predicted as they are: no decoding.
 */
export interface PredictFrameRequest {
  readonly type: 'predict-frame';
  readonly id: number;
  readonly pixels: ArrayBuffer;
  readonly width: number;
  readonly height: number;
  readonly conf: number;
  readonly iou: number;
}

export type DemoRequest = LoadRequest | PredictRequest | PredictFrameRequest;

/** What the page shows about a loaded model. */
export interface LoadedModelInfo {
  readonly name: string;
  readonly runtime: string;
  /** The execution providers the session was created with, in order. */
  readonly providers: readonly string[];
  readonly imgsz: readonly [number, number];
  readonly classCount: number;
  /** What the model does, from its metadata confirmed by its output shapes. */
  readonly task: SupportedTask | undefined;
  readonly description: string | undefined;
  readonly outputShapes: readonly (readonly number[])[];
}

export interface LoadedResponse {
  readonly type: 'loaded';
  readonly id: number;
  readonly info: LoadedModelInfo;
  /** Milliseconds to create the session (onnxruntime-web's WebAssembly, the model's graph). */
  readonly loadMs: number;
  /**
   * The model's first run, on a blank frame of its input size, when the page asked for one: where the cold
   * costs go (first-use compilation of the JavaScript and of onnxruntime-web's WebAssembly kernels, first
   * allocations), so that the reader's image runs warm.
   */
  readonly warmUp: Speed | undefined;
  /** Why `auto` did not get WebGPU, when it did not. */
  readonly providerNote: string | undefined;
}

/** Milliseconds of each stage of one prediction in the worker (also `performance.measure` entries named `yolokit-demo …`). */
export interface PredictStages {
  /** `createImageBitmap`: the browser decodes the JPEG, PNG, WebP or GIF (started as soon as the image arrives). */
  readonly decode: number;
  /** `drawImage` + `getImageData` on a reused `OffscreenCanvas`: the decoded image as RGBA bytes. */
  readonly pixels: number;
  /** The decoded image waiting for the model (still loading, or busy with the previous image). */
  readonly waiting: number;
  /** yolokit's preprocess of those pixels: the letterbox and the float tensor. */
  readonly preprocess: number;
  readonly inference: number;
  /** Output decoding, NMS, and masks or keypoints. */
  readonly postprocess: number;
  /** `Result.toWire('bytes')`, the form that goes back to the page. */
  readonly transfer: number;
}

export interface ResultResponse {
  readonly type: 'result';
  readonly id: number;
  readonly result: ResultWire;
  readonly stages: PredictStages;
  /** Milliseconds inside the worker from receiving the image to sending the result. */
  readonly workerMs: number;
  /** Which prediction of this model this was: 1 for the first image (the warm-up not counted). */
  readonly run: number;
}

/** A camera frame's result. */
export interface FrameResultResponse {
  readonly type: 'frame-result';
  readonly id: number;
  readonly result: ResultWire;
}

/** A failure, as the typed `YoloError` it was (`code`), or `INTERNAL` for anything else. */
export interface ErrorResponse {
  readonly type: 'error';
  readonly id: number;
  readonly stage: 'load' | 'predict';
  readonly code: string;
  readonly message: string;
}

export type DemoResponse = LoadedResponse | ResultResponse | FrameResultResponse | ErrorResponse;
