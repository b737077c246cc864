import { InvalidOptionError } from './errors.js';
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
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new InvalidOptionError(prefix, `${prefix} must be an object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options ?? {})) {
    if (!KNOWN.has(key)) {
      throw new InvalidOptionError(`${prefix}.${key}`, `${prefix}.${key} is not a prediction option; known options: ${[...KNOWN].join(', ')}`);
    }
  }
  const merged = { ...DEFAULT_PREDICT_OPTIONS, ...stripUndefined(defaults), ...stripUndefined(options ?? {}) };
  const { conf, iou, maxDet, classes, agnostic, imgsz, retinaMasks } = merged;
  unitInterval(conf, `${prefix}.conf`);
  unitInterval(iou, `${prefix}.iou`);
  if (!Number.isInteger(maxDet) || maxDet < 1 || maxDet > 100_000) {
    throw new InvalidOptionError(`${prefix}.maxDet`, `${prefix}.maxDet must be an integer from 1 to 100000, got ${describeValue(maxDet)}`);
  }
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.some((k) => !Number.isInteger(k) || k < 0)) {
      throw new InvalidOptionError(`${prefix}.classes`, `${prefix}.classes must be an array of non-negative integer class ids, got ${describeValue(classes)}`);
    }
  }
  if (typeof agnostic !== 'boolean') {
    throw new InvalidOptionError(`${prefix}.agnostic`, `${prefix}.agnostic must be a boolean, got ${describeValue(agnostic)}`);
  }
  if (typeof retinaMasks !== 'boolean') {
    throw new InvalidOptionError(`${prefix}.retinaMasks`, `${prefix}.retinaMasks must be a boolean, got ${describeValue(retinaMasks)}`);
  }
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

function unitInterval(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidOptionError(name, `${name} must be a number from 0 to 1, got ${describeValue(value)}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

