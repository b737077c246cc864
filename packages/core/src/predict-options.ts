import { InvalidOptionError } from './errors.js';
import { booleanOption, finiteNumber, integerInRange, optionsObject, rejectUnknown } from './option-checks.js';
import { describeValue } from './describe-value.js';
import { MAX_INPUT_SIDE } from './model-input-size.js';

/** Options of one prediction. Every call takes its own; nothing is stored on the model. */
export interface PredictOptions {
  /**
   * Minimum confidence of a detection (strictly above).
   * @defaultValue 0.25
   */
  readonly conf?: number;
  /**
   * IoU above which NMS suppresses the lower-scoring of two boxes.
   * @defaultValue 0.7
   */
  readonly iou?: number;
  /**
   * Maximum number of detections per image.
   * @defaultValue 300
   */
  readonly maxDet?: number;
  /** Keep only these class ids. @defaultValue all classes */
  readonly classes?: readonly number[];
  /**
   * Class-agnostic NMS: boxes of different classes suppress each other.
   * @defaultValue false
   */
  readonly agnostic?: boolean;
  /**
   * Input size `[height, width]` (or one number for a square), for models with a dynamic input.
   * @defaultValue the model's `imgsz` metadata, else its input shape
   */
  readonly imgsz?: number | readonly [number, number];
  /**
   * Segmentation models: compute masks at the image's own resolution from the prototypes (Ultralytics'
   * `retina_masks`, `process_mask_native`) instead of at the model's input size and then scaled.
   * @defaultValue false
   */
  readonly retinaMasks?: boolean;
  /** Cancels the prediction between stages. */
  readonly signal?: AbortSignal;
}

/** {@link PredictOptions} with every default applied. */
export interface ResolvedPredictOptions {
  readonly conf: number;
  readonly iou: number;
  readonly maxDet: number;
  readonly classes: readonly number[] | undefined;
  readonly agnostic: boolean;
  readonly imgsz: number | readonly [number, number] | undefined;
  readonly retinaMasks: boolean;
}

export const DEFAULT_PREDICT_OPTIONS: ResolvedPredictOptions = Object.freeze({
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  classes: undefined,
  agnostic: false,
  imgsz: undefined,
  retinaMasks: false,
});

const UNIT_INTERVAL = { min: 0, max: 1 };
const KNOWN = new Set(['conf', 'iou', 'maxDet', 'classes', 'agnostic', 'imgsz', 'retinaMasks', 'signal']);

/**
 * Validates options and fills defaults (from `defaults`, then {@link DEFAULT_PREDICT_OPTIONS}). Throws
 * {@link InvalidOptionError} naming the option and the value it got.
 */
export function resolvePredictOptions(
  options: PredictOptions | undefined,
  defaults: Partial<ResolvedPredictOptions> = {},
  prefix = 'options',
): ResolvedPredictOptions {
  if (options !== undefined) rejectUnknown(optionsObject(options, prefix), KNOWN, 'a prediction', prefix);
  const merged = { ...DEFAULT_PREDICT_OPTIONS, ...stripUndefined(defaults), ...stripUndefined(options ?? {}) };
  const { conf, iou, maxDet, classes, agnostic, imgsz, retinaMasks } = merged;
  finiteNumber(conf, `${prefix}.conf`, UNIT_INTERVAL);
  finiteNumber(iou, `${prefix}.iou`, UNIT_INTERVAL);
  integerInRange(maxDet, `${prefix}.maxDet`, 1, 100_000);
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.some((k) => !Number.isInteger(k) || k < 0)) {
      throw new InvalidOptionError(`${prefix}.classes`, `${prefix}.classes must be an array of non-negative integer class ids, got ${describeValue(classes)}`);
    }
  }
  booleanOption(agnostic, `${prefix}.agnostic`);
  booleanOption(retinaMasks, `${prefix}.retinaMasks`);
  if (imgsz !== undefined) {
    const ok =
      (typeof imgsz === 'number' && validSide(imgsz)) ||
      (Array.isArray(imgsz) && imgsz.length === 2 && imgsz.every(validSide));
    if (!ok) {
      throw new InvalidOptionError(`${prefix}.imgsz`, `${prefix}.imgsz must be an integer from 32 to ${MAX_INPUT_SIDE} or a [height, width] pair of them, got ${describeValue(imgsz)}`);
    }
  }
  return { conf, iou, maxDet, classes, agnostic, imgsz, retinaMasks };
}

function validSide(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 32 && value <= MAX_INPUT_SIDE;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

