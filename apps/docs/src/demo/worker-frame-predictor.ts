/**
 * The webcam mode's predictor: `@yolokit/stream/browser` reads the camera's frames on the page and calls
 * `predict(pixels)`; this sends the pixels (transferred, not copied) to the demo's Web Worker, which runs the model
 * on them as they are, and answers with the frame's result. So the stream's frame order, `latest` policy and
 * tracker work on the page while inference never blocks it.
 */
import { type PredictOptions, type RawImage, Result } from '@yolokit/core';
import type { FramePredictor } from '@yolokit/stream/browser';
import type { DemoResponse, PredictFrameRequest } from './protocol.js';

/** A failed frame, with the worker's error code (`NO_MODEL`, or a `YoloError`'s). */
export class FramePredictionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FramePredictionError';
  }
}

export class WorkerFramePredictor implements FramePredictor {
  readonly #pending = new Map<number, { resolve: (result: Result) => void; reject: (error: unknown) => void }>();

  /** `post` sends a request to the worker; `nextId` gives each request its id (shared with the page's other requests). */
  constructor(
    private readonly post: (request: PredictFrameRequest, transfer: Transferable[]) => void,
    private readonly nextId: () => number,
  ) {}

  predict(image: RawImage, options: PredictOptions = {}): Promise<Result> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId();
    // A buffer the pixels span whole moves to the worker; a view into a larger one is copied first.
    const view = image.data;
    const pixels =
      view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? (view.buffer as ArrayBuffer) : (new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer as ArrayBuffer);
    return new Promise<Result>((resolve, reject) => {
      // The worker cannot stop a run; a stopped stream does not wait for it (its answer is then ignored).
      const onAbort = () => {
        this.#pending.delete(id);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.post({ type: 'predict-frame', id, pixels, width: image.width, height: image.height, conf: options.conf ?? 0.25, iou: options.iou ?? 0.7 }, [pixels]);
    });
  }

  /** Settles the frame a worker's answer is for; false when the answer is not for a frame of this predictor. */
  settle(response: DemoResponse): boolean {
    const pending = this.#pending.get(response.id);
    if (!pending) return false;
    this.#pending.delete(response.id);
    if (response.type === 'frame-result') pending.resolve(Result.fromWire(response.result));
    else if (response.type === 'error') pending.reject(new FramePredictionError(response.code, response.message));
    else pending.reject(new FramePredictionError('INTERNAL', `the worker answered a frame with '${response.type}'`));
    return true;
  }

  /** Fails every frame still waiting (the worker is gone). */
  failAll(error: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}
