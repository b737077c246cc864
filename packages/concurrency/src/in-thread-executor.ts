import type { ImageInput, ModelInfo, PredictOptions, Result } from '@yolokit/core';
import type { AsyncLock } from './async-lock.js';
import type { Executor, WorkerInfo } from './executor.js';
import type { WireOptions } from './wire.js';

/** Anything that predicts like a `YoloModel`: what the in-thread strategies accept as a live model. */
export interface PredictTarget {
  predict(image: ImageInput, options?: PredictOptions): Promise<Result>;
  /** The model's facts, when the target has them (a `YoloModel` does). */
  readonly info?: ModelInfo;
  dispose?(): Promise<void>;
}

/**
 * Runs predictions on one instance in the calling thread: behind `lock` (`locked`) or with no lock at all
 * (`unsafe-shared`).
 * @internal
 */
export class InThreadExecutor implements Executor {
  readonly concurrency: number;
  readonly #load: () => Promise<PredictTarget>;
  readonly #lock: AsyncLock | undefined;
  readonly #owned: boolean;
  #target: PredictTarget | undefined;
  readonly #running = new Set<Promise<Result>>();

  constructor(config: { load: () => Promise<PredictTarget>; lock: AsyncLock | undefined; concurrency: number; owned: boolean }) {
    this.#load = config.load;
    this.#lock = config.lock;
    this.concurrency = config.concurrency;
    this.#owned = config.owned;
  }

  async start(): Promise<void> {
    this.#target = await this.#load();
  }

  execute(image: ImageInput, options: WireOptions | undefined, signal: AbortSignal): Promise<Result> {
    const target = this.#target!;
    // async: a target whose predict() throws synchronously still yields a rejection, never a stuck slot.
    const call = async (): Promise<Result> => target.predict(image, { ...options, signal });
    const running = this.#lock ? this.#lock.run(call) : call();
    this.#running.add(running);
    const forget = (): void => {
      this.#running.delete(running);
    };
    running.then(forget, forget);
    return running;
  }

  info(): ModelInfo | undefined {
    return this.#target?.info;
  }

  workers(): WorkerInfo[] {
    return [{ kind: 'main', id: 0 }];
  }

  async close(): Promise<void> {
    // A call in this thread cannot be interrupted: let running ones end (their callers already have their
    // answer when closing with abort), and anyone else holding a shared lock, before disposing the model.
    await Promise.allSettled([...this.#running]);
    const target = this.#target;
    if (this.#owned && target?.dispose) {
      const dispose = (): Promise<void> => target.dispose?.() ?? Promise.resolve();
      await (this.#lock ? this.#lock.run(dispose) : dispose());
    }
    this.#target = undefined;
  }
}
