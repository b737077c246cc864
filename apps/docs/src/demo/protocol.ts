/**
 * Messages between the demo page and its Web Worker (`detect-worker.ts`). Everything here survives
 * `structuredClone`; byte buffers are transferred, not copied.
 */
import type { ResultJSON } from '@yolokit/core';

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
}

export interface PredictRequest {
  readonly type: 'predict';
  readonly id: number;
  readonly name: string;
  readonly image: ArrayBuffer;
  readonly conf: number;
  readonly iou: number;
}

export type DemoRequest = LoadRequest | PredictRequest;

/** What the page shows about a loaded model. */
export interface LoadedModelInfo {
  readonly name: string;
  readonly runtime: string;
  /** The execution providers the session was created with, in order. */
  readonly providers: readonly string[];
  readonly imgsz: readonly [number, number];
  readonly classCount: number;
  readonly task: string | undefined;
  readonly description: string | undefined;
  readonly outputShape: readonly number[];
}

export interface LoadedResponse {
  readonly type: 'loaded';
  readonly id: number;
  readonly info: LoadedModelInfo;
  readonly loadMs: number;
  /** Why `auto` did not get WebGPU, when it did not. */
  readonly providerNote: string | undefined;
}

export interface ResultResponse {
  readonly type: 'result';
  readonly id: number;
  readonly result: ResultJSON;
  /** Milliseconds inside the worker from receiving the image to having the result. */
  readonly workerMs: number;
}

/** A failure, as the typed `YoloError` it was (`code`), or `INTERNAL` for anything else. */
export interface ErrorResponse {
  readonly type: 'error';
  readonly id: number;
  readonly stage: 'load' | 'predict';
  readonly code: string;
  readonly message: string;
}

export type DemoResponse = LoadedResponse | ResultResponse | ErrorResponse;
