import { UnsupportedOutputError } from './errors.js';

/**
 * The layouts of detection outputs yolokit decodes.
 * - `yolov8`: `[1, 4+nc, N]`, rows cx, cy, w, h then class scores (YOLOv8, YOLO11).
 * - `yolov5`: `[1, N, 5+nc]`, cx, cy, w, h, objectness then class scores (score = objectness × class).
 * - `end2end`: `[1, N, 6]`, x1, y1, x2, y2, score, class, already NMS-free (YOLOv10, YOLO26).
 */
export type OutputFormat = 'yolov8' | 'yolov5' | 'end2end';

/**
 * Chooses the decoder from the output's shape and the model's metadata. Where the class count is known from
 * the metadata it must agree with the shape; `end2end: true` in the metadata selects the end-to-end layout.
 */
export function detectOutputFormat(
  dims: readonly number[],
  facts: { classCount?: number; end2end?: boolean } = {},
): OutputFormat {
  const classCount = facts.classCount && facts.classCount > 0 ? facts.classCount : undefined;
  const fail = (why: string): never => {
    throw new UnsupportedOutputError(
      dims,
      `unsupported model output [${dims.join(', ')}]: ${why}. yolokit decodes detection outputs [1, 4+nc, N] (YOLOv8/YOLO11), [1, N, 5+nc] (YOLOv5) and [1, N, 6] (end-to-end YOLOv10/YOLO26); export a detection model from Ultralytics with format=onnx or format=tfjs.`,
    );
  };
  if (dims.length !== 3) return fail(`expected 3 dimensions, got ${dims.length}`);
  const [batch, a, b] = dims;
  if (batch !== 1 && batch !== -1) return fail(`batch must be 1, got ${batch}`);
  if (!(a > 0) || !(b > 0)) return fail('dimensions must be positive');
  if (facts.end2end === true) {
    if (b === 6) return 'end2end';
    return fail('the metadata says end2end but the last dimension is not 6');
  }
  if (classCount !== undefined) {
    if (a === 4 + classCount && b !== 4 + classCount) return 'yolov8';
    if (b === 6 && facts.end2end === undefined && classCount !== 1) return 'end2end';
    if (b === 5 + classCount) return 'yolov5';
    if (a === 4 + classCount) return 'yolov8';
    return fail(`the model has ${classCount} classes, which matches neither 4+nc=${4 + classCount} rows nor 5+nc=${5 + classCount} columns`);
  }
  // No class names: infer from the shape. Anchors outnumber channels in every real YOLO output.
  if (b === 6 && a > 6) return 'end2end';
  if (a > 4 && a < b) return 'yolov8';
  if (b > 5 && b < a) return 'yolov5';
  return fail('cannot tell the layout from the shape');
}

/** Number of classes an output of the given format carries. */
export function classCountOf(format: OutputFormat, dims: readonly number[]): number | undefined {
  if (format === 'yolov8') return dims[1] - 4;
  if (format === 'yolov5') return dims[2] - 5;
  return undefined;
}
