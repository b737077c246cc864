import type { ImageInput, ModelInfo, PredictOptions, Result } from '@yolokit/core';
import type { PredictTarget } from './in-thread-executor.js';

/**
 * **A deliberately broken model, for teaching and tests.** It keeps per-call state on the instance across an
 * `await`, as Ultralytics' predictor once did (`self.source`, `self.args` set by one call, read later by the
 * same call after other calls had their turn): call A stores its image, awaits, call B overwrites the image,
 * and A then predicts B's image. Run it through `strategy: 'unsafe-shared'` with several calls in flight and
 * results come back for the wrong images; through `strategy: 'locked'` they are all right.
 *
 * @example
 * ```ts
 * import { createPredictor, StatefulDemoModel } from '@yolokit/concurrency';
 * import type { YoloModel } from '@yolokit/core';
 * declare const model: YoloModel;
 * const unsafe = await createPredictor({ strategy: 'unsafe-shared', model: new StatefulDemoModel(model) });
 * ```
 */
export class StatefulDemoModel implements PredictTarget {
  readonly #model: PredictTarget;
  // The bug, on purpose: state of one call stored where every call can see it.
  source: ImageInput | undefined;
  options: PredictOptions | undefined;

  constructor(model: PredictTarget) {
    this.#model = model;
  }

  async predict(image: ImageInput, options?: PredictOptions): Promise<Result> {
    this.source = image;
    this.options = options;
    await this.#setupSource();
    return this.#model.predict(this.source, this.options);
  }

  /** Stands for any asynchronous step between storing the state and using it (opening a stream, a warm-up). */
  async #setupSource(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  get info(): ModelInfo | undefined {
    return this.#model.info;
  }

  async dispose(): Promise<void> {
    await this.#model.dispose?.();
  }
}
