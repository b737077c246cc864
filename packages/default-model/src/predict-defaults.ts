/**
 * Prediction settings that suit the default model, for `createModel({ ..., defaults })`. Its most common error
 * is a second, looser box on an object it has already found; the scenes' objects overlap little (their boxes'
 * IoU stays below 0.3), so class-agnostic NMS at IoU 0.45 removes those boxes without losing objects. At conf
 * 0.25 on the held-out scenes this lifts precision from 0.88 (Ultralytics' defaults: IoU 0.7, per class) to
 * 0.97 at the same recall; model/PROVENANCE.md ("Known limits") has the measured figures. mAP is unaffected.
 *
 * @example
 * ```ts
 * import { onnx } from '@yolokit/backend-onnx';
 * import { createModel } from '@yolokit/core';
 * import { DEFAULT_MODEL_PREDICT_DEFAULTS, defaultModelPath } from '@yolokit/default-model';
 * const model = await createModel({ backend: onnx(), model: defaultModelPath(), defaults: DEFAULT_MODEL_PREDICT_DEFAULTS });
 * ```
 */
export const DEFAULT_MODEL_PREDICT_DEFAULTS = Object.freeze({ conf: 0.25, iou: 0.45, agnostic: true });
