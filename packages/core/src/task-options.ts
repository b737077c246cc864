import { InvalidOptionError } from './errors.js';
import { DEFAULT_PREDICT_OPTIONS, type ResolvedPredictOptions } from './predict-options.js';

/** The options that shape detections, and why each means nothing to a classifier. */
const NOT_FOR_CLASSIFY: ReadonlyArray<readonly [keyof ResolvedPredictOptions, string]> = [
  ['iou', 'a classifier has no boxes to suppress'],
  ['maxDet', 'a classifier returns every class in probs, and the best five in top5'],
  ['classes', 'a classifier returns every class in probs; pick from them'],
  ['agnostic', 'a classifier has no boxes to suppress'],
  ['retinaMasks', 'a classifier has no masks'],
];

/**
 * Refuses, for a classify model, a detection option set to anything but its default: it would change nothing,
 * which is more likely a mistake than a wish (and a silent no-op would look like an answer to it). `conf` is
 * allowed and ignored, as Ultralytics' classify predictor ignores it: `probs` lists every class. Throws
 * {@link InvalidOptionError} naming the option.
 *
 * @param where - `options` for a call, for the message
 */
export function checkClassifyOptions(options: ResolvedPredictOptions, where = 'options'): void {
  for (const [key, why] of NOT_FOR_CLASSIFY) {
    const value = options[key];
    if (value === undefined || value === DEFAULT_PREDICT_OPTIONS[key]) continue;
    throw new InvalidOptionError(
      `${where}.${key}`,
      `${where}.${key} (${JSON.stringify(value)}) does not apply to a classify model: ${why}. Drop it${where === 'options' ? " (from the call or the model's defaults)" : ''}`,
    );
  }
}
