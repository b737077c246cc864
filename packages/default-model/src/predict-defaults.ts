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

/**
 * Prediction settings that suit the oriented-box task model (`taskModelPath('obb')`), for the same reason as
 * {@link DEFAULT_MODEL_PREDICT_DEFAULTS}: its most common error is a second, looser box on an object it has found,
 * and the rotated scenes' shapes never overlap, so class-agnostic rotated NMS at probiou 0.45 removes those boxes.
 * Measured at conf 0.25 on 100 fresh scenes (seeds 900,200–900,299, 272 shapes): with Ultralytics' defaults (IoU
 * 0.7, per class) 269 shapes found and 36 extra boxes (precision 0.88); with these 266 found and 6 extra (0.98).
 * mAP is measured with Ultralytics' validation settings and is unaffected.
 */
export const OBB_MODEL_PREDICT_DEFAULTS = Object.freeze({ conf: 0.25, iou: 0.45, agnostic: true });
