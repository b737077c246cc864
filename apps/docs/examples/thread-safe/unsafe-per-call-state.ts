import type { ImageInput, PredictOptions, Result, YoloModel } from '@yolokit/core';

// #region unsafe
/** DON'T: per-call state stored on a shared object, read back after an await. */
export class UnsafeDetector {
  private image: ImageInput | undefined;
  private options: PredictOptions | undefined;

  constructor(private readonly model: YoloModel) {}

  async detect(image: ImageInput, options?: PredictOptions): Promise<Result> {
    this.image = image; // call A stores its image...
    this.options = options;
    await this.warmUp(); // ...yields; call B runs and overwrites this.image...
    return this.model.predict(this.image, this.options); // ...and A predicts B's image.
  }

  private async warmUp(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // any await: I/O, a timer, a fetch
  }
}
// #endregion unsafe

// #region safe
/** DO: per-call state in locals and arguments. yolokit's own YoloModel is written this way. */
export class SafeDetector {
  constructor(private readonly model: YoloModel) {}

  async detect(image: ImageInput, options?: PredictOptions): Promise<Result> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.model.predict(image, options); // each call sees only its own arguments
  }
}
// #endregion safe
