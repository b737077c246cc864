/**
 * The Backend contract: the only seam between yolokit's pipeline and an inference runtime.
 * Core never imports a runtime; a backend package implements these types (see `@yolokit/backend-onnx`).
 *
 * @packageDocumentation
 */

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

/** Options every backend accepts when loading. */
export interface LoadOptions {
  /** Cancels a load in progress where the runtime allows it. */
  readonly signal?: AbortSignal;
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
