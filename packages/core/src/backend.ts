/**
 * The Backend contract: the only seam between yolokit's pipeline and an inference runtime.
 * Core never imports a runtime; a backend package implements these types (see `@yolokit/backend-onnx`).
 *
 * @packageDocumentation
 */
import { MAX_TIMER_MS, positiveInteger } from './option-checks.js';

/** Version of the Backend contract. A backend declares the version it implements. */
export const BACKEND_CONTRACT_VERSION = 1 as const;

/** Where a model comes from: a file or folder path, a URL, or the model's bytes. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

/** Memory layout of the model's image input. */
export type TensorLayout = 'NCHW' | 'NHWC';

/** Name and shape of one model input or output. Dynamic dimensions are `-1`. */
export interface TensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

/** A dense float32 tensor. */
export interface Float32Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/**
 * Default {@link LoadOptions.maxBytes}: 2 GiB − 1 byte, protobuf's limit on one message and so on one ONNX
 * file (the largest model onnxruntime loads from bytes); the largest YOLO export (yolo11x) is about 220 MB.
 */
export const DEFAULT_MAX_MODEL_BYTES = 2 ** 31 - 1;

/** Default {@link LoadOptions.timeoutMs}: 5 minutes, a 220 MB model at under 1 MB/s. */
export const DEFAULT_MODEL_TIMEOUT_MS = 300_000;

/** Options every backend accepts when loading. */
export interface LoadOptions {
  /** Cancels a load in progress where the runtime allows it. */
  readonly signal?: AbortSignal;
  /**
   * Most bytes a model may have: a file larger than this (or a download that declares or delivers more) is
   * refused with a `ModelLoadError` `MODEL_INVALID` that gives the size, before it is read into memory. For a
   * model of several files (TF.js) it bounds their sum. Paths and `file:` URLs must name regular files: a FIFO
   * or a device (`/dev/zero`) is refused without being read.
   *
   * @defaultValue {@link DEFAULT_MAX_MODEL_BYTES} (2 GiB − 1 byte)
   */
  readonly maxBytes?: number;
  /**
   * Milliseconds a model download from an http(s) URL may take, answer and body (each file of a TF.js model
   * in turn): past it the download is stopped and loading fails with a `ModelLoadError` `MODEL_NOT_FOUND`
   * that says it timed out. Files on disk and bytes are not timed.
   *
   * @defaultValue {@link DEFAULT_MODEL_TIMEOUT_MS} (300 000, 5 minutes)
   */
  readonly timeoutMs?: number;
}

/** {@link LoadOptions} validated, defaults applied. */
export interface ResolvedLoadOptions {
  readonly signal: AbortSignal | undefined;
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/**
 * Validates a backend's {@link LoadOptions} and applies the defaults; every backend of yolokit calls it at
 * the start of `load`, so the limits mean the same in each.
 *
 * @throws `InvalidOptionError` naming the option (`options.maxBytes`, `options.timeoutMs`).
 */
export function resolveLoadOptions(options: LoadOptions | undefined): ResolvedLoadOptions {
  return {
    signal: options?.signal,
    maxBytes: positiveInteger(options?.maxBytes, 'options.maxBytes', DEFAULT_MAX_MODEL_BYTES),
    timeoutMs: positiveInteger(options?.timeoutMs, 'options.timeoutMs', DEFAULT_MODEL_TIMEOUT_MS, MAX_TIMER_MS),
  };
}

/**
 * A backend: loads a model source into a {@link BackendSession}.
 *
 * @example
 * ```ts
 * import type { Backend } from '@yolokit/core';
 * declare const backend: Backend;
 * const session = await backend.load('yolov8n.onnx');
 * console.log(session.inputs, session.layout);
 * await session.dispose();
 * ```
 */
export interface Backend {
  /** Short name, such as `onnxruntime-node`. */
  readonly name: string;
  /** The contract version implemented; {@link BACKEND_CONTRACT_VERSION}. */
  readonly contractVersion: typeof BACKEND_CONTRACT_VERSION;
  /**
   * Loads a model. Must reject with a `ModelLoadError` (`MODEL_NOT_FOUND` or `MODEL_INVALID`) for a missing
   * or unreadable model and a `BackendUnavailableError` when the runtime or a requested device is absent.
   */
  load(source: ModelSource, options?: LoadOptions): Promise<BackendSession>;
}

/** A loaded model in a runtime. */
export interface BackendSession {
  /** The model's inputs; the first is the image input. */
  readonly inputs: readonly TensorInfo[];
  /** The model's outputs; the first is the detection output. */
  readonly outputs: readonly TensorInfo[];
  /** Layout the image input expects. */
  readonly layout: TensorLayout;
  /**
   * The model's own metadata, as stored in the model: for ONNX the `metadata_props` strings, for TF.js the
   * parsed `metadata.yaml`. Core reads Ultralytics' keys from it (see `parseUltralyticsMetadata`).
   */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** What actually runs the model, for reports: `"onnxruntime-node 1.30.0 (cpu)"`. */
  readonly runtime: string;
  /**
   * Runs the model on one float32 input in {@link layout} and returns every output, in {@link outputs} order.
   * Implementations must not keep references to `input` after the returned promise settles.
   */
  run(input: Float32Tensor): Promise<Float32Tensor[]>;
  /** Frees the runtime's resources. Idempotent. */
  dispose(): Promise<void>;
}
