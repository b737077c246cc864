import type { TensorLayout } from './backend.js';
import { UnsupportedOutputError } from './errors.js';
import { detectOutputFormat, type OutputFormat } from './output-format.js';

/** The five kinds of model Ultralytics exports. */
export type YoloTask = 'detect' | 'segment' | 'pose' | 'obb' | 'classify';

/** The tasks yolokit decodes: all five. */
export type SupportedTask = YoloTask;

const KNOWN_TASKS: ReadonlySet<string> = new Set(['detect', 'segment', 'pose', 'obb', 'classify']);

/** Where the mask prototypes of a segmentation model are and how they are laid out. */
export interface ProtoLayout {
  /** Index of the prototype output among the session's outputs. */
  readonly output: number;
  /** Number of prototypes (mask coefficients per detection), usually 32. */
  readonly channels: number;
  /** `NCHW` for `[1, nm, h, w]` (ONNX), `NHWC` for `[1, h, w, nm]` (Ultralytics' TF.js exports). */
  readonly layout: TensorLayout;
  readonly height: number;
  readonly width: number;
}

/**
 * How to read a model's outputs: a classifier's probabilities ({@link ClassifyLayout}), or for the tasks that
 * find objects, which output holds the detections and in which format, and where a task's extra values are.
 */
export type TaskLayout = DetectionLayout | ClassifyLayout;

/**
 * How to read the outputs of a model that finds objects (detect, segment, pose, obb): which output holds the
 * detections and in which format, and where a task's extra values are (mask coefficients and prototypes,
 * keypoints, the angle of an oriented box).
 */
export interface DetectionLayout {
  readonly task: Exclude<SupportedTask, 'classify'>;
  readonly format: OutputFormat;
  /** Index of the detection output among the session's outputs. */
  readonly detectionOutput: number;
  /** Class scores per row (undefined for end-to-end rows, which carry a class id). */
  readonly classCount: number | undefined;
  /**
   * Offset of the task's extra values in a row: after the class scores, or after x1 y1 x2 y2 score class (for
   * obb, after cx cy w h score class: the angle).
   */
  readonly extraOffset: number;
  /** Segmentation models: the prototypes. */
  readonly protos?: ProtoLayout;
  /** Pose models: keypoints per object and values per keypoint (2: x, y; 3: x, y, visibility). */
  readonly keypoints?: { readonly count: number; readonly dims: number };
}

/** A classifier's output: `[1, nc]` class probabilities (Ultralytics exports them after the softmax). */
export interface ClassifyLayout {
  readonly task: 'classify';
  /** Index of the probabilities among the session's outputs. */
  readonly output: number;
  readonly classCount: number;
  // A classifier has none of a detection layout's parts; declared so that they read `undefined` on a TaskLayout.
  readonly format?: undefined;
  readonly detectionOutput?: undefined;
  readonly protos?: undefined;
  readonly keypoints?: undefined;
}

/** Facts about the model that decide its layout, from its metadata. */
export interface TaskFacts {
  readonly task?: string;
  readonly classCount?: number;
  readonly end2end?: boolean;
  readonly kptShape?: readonly [number, number];
  /** The session's image layout: breaks the tie when prototypes could be read either way. */
  readonly layout: TensorLayout;
}

const shapeList = (outputs: readonly (readonly number[])[]): string => outputs.map((d) => `[${d.join(', ')}]`).join(' and ');

/**
 * Resolves a model's task and output layout from its metadata (`task`, `names`, `kpt_shape`, `end2end`),
 * confirmed by the shapes of its outputs, as Ultralytics exports them (followed: ultralytics 8.4, `nn/modules/head.py`):
 * - detect: `[1, 4+nc, N]`, `[1, N, 5+nc]` (YOLOv5) or end-to-end `[1, N, 6]`;
 * - segment: `[1, 4+nc+nm, N]` (or end-to-end `[1, N, 6+nm]`) and prototypes `[1, nm, H/4, W/4]`, or
 *   `[1, H/4, W/4, nm]` in TF.js exports, in either order;
 * - pose: `[1, 4+nc+K·D, N]` (or end-to-end `[1, N, 6+K·D]`) with `kpt_shape: [K, D]`;
 * - obb: `[1, 4+nc+1, N]`, cx, cy, w, h, class scores and the angle last, or end-to-end `[1, N, 7]`: cx, cy, w,
 *   h, score, class, angle (`OBB.postprocess`);
 * - classify: `[1, nc]` probabilities.
 * A model without a `task` is taken by its outputs: a prototype output makes it a segmentation model, a
 * `kpt_shape` a pose model and a single 2-D output a classifier (an oriented-box model cannot be told from a
 * detector with one class more, so it needs its `task`). Anything else is an {@link UnsupportedOutputError}
 * naming the task and shapes.
 */
export function resolveTaskLayout(outputs: readonly (readonly number[])[], facts: TaskFacts): TaskLayout {
  const classCount = facts.classCount && facts.classCount > 0 ? facts.classCount : undefined;
  const declared = facts.task;
  const fail = (task: string, why: string): never => {
    throw new UnsupportedOutputError(outputs[0] ?? [], `unsupported ${task} model with outputs ${shapeList(outputs)}: ${why}`);
  };
  if (outputs.length === 0) return fail(declared ?? 'detect', 'the model has no outputs');
  if (declared !== undefined && !KNOWN_TASKS.has(declared)) {
    return fail(`'${declared}'`, `yolokit knows the tasks detect, segment, pose, obb and classify`);
  }
  const detectionOutput = outputs.findIndex((d) => d.length === 3);
  const protoOutput = outputs.findIndex((d) => d.length === 4);
  const task = (declared as SupportedTask | undefined) ??
    (outputs.length === 1 && outputs[0].length === 2
      ? 'classify'
      : protoOutput >= 0 && detectionOutput >= 0
        ? 'segment'
        : facts.kptShape
          ? 'pose'
          : 'detect');

  if (task === 'classify') return classifyLayout(outputs, classCount, fail);

  if (task === 'detect') {
    // Detection models have one output; decode the first as before (a 3-D one, unless there is none).
    const index = detectionOutput >= 0 ? detectionOutput : 0;
    const format = detectOutputFormat(outputs[index], { classCount, end2end: facts.end2end });
    const dims = outputs[index];
    const nc = format === 'yolov8' ? dims[1] - 4 : format === 'yolov5' ? dims[2] - 5 : undefined;
    return { task, format, detectionOutput: index, classCount: nc, extraOffset: format === 'end2end' ? 6 : format === 'yolov8' ? 4 + (nc ?? 0) : 5 + (nc ?? 0) };
  }
  if (detectionOutput < 0) return fail(task, 'no output has the 3 dimensions of a detection output [1, 4+nc+extra, N]');
  const dims = outputs[detectionOutput];
  if (dims[0] !== 1 && dims[0] !== -1) return fail(task, `batch must be 1, got ${dims[0]}`);

  if (task === 'segment') {
    if (protoOutput < 0) {
      return fail(task, 'a segmentation model needs its mask prototypes output [1, nm, H/4, W/4]; it is missing (was the model exported whole?)');
    }
    const p = outputs[protoOutput];
    const nchw = p[1];
    const nhwc = p[3];
    const extraOf = (nm: number) => layoutWithExtra(dims, nm, classCount, facts.end2end);
    const asNchw = nchw > 0 ? extraOf(nchw) : undefined;
    const asNhwc = nhwc > 0 ? extraOf(nhwc) : undefined;
    const protoLayout: TensorLayout | undefined =
      asNchw && asNhwc ? facts.layout : asNchw ? 'NCHW' : asNhwc ? 'NHWC' : undefined;
    if (!protoLayout) {
      return fail(
        task,
        `the prototypes ${`[${p.join(', ')}]`} have ${nchw} (channels first) or ${nhwc} (channels last) channels, and neither fits the detection output with ${classCount ?? 'an unknown number of'} classes (expected [1, 4+nc+nm, N] or end-to-end [1, N, 6+nm])`,
      );
    }
    const fit = (protoLayout === 'NCHW' ? asNchw : asNhwc) as ExtraLayout;
    const [height, width, channels] = protoLayout === 'NCHW' ? [p[2], p[3], p[1]] : [p[1], p[2], p[3]];
    return {
      task,
      format: fit.format,
      detectionOutput,
      classCount: fit.classCount,
      extraOffset: fit.extraOffset,
      protos: { output: protoOutput, channels, layout: protoLayout, height, width },
    };
  }

  if (task === 'obb') {
    const fit = layoutWithExtra(dims, 1, classCount, facts.end2end);
    if (!fit) {
      return fail(
        task,
        `an oriented-box model with ${classCount ?? 'an unknown number of'} classes needs [1, ${classCount === undefined ? '4+nc' : 4 + classCount}+1, N] (cx, cy, w, h, one score per class, angle) or end-to-end [1, N, 7] (cx, cy, w, h, score, class, angle); its class names and outputs disagree (was it exported from this model, or the names edited?)`,
      );
    }
    return { task, format: fit.format, detectionOutput, classCount: fit.classCount, extraOffset: fit.extraOffset };
  }

  // pose
  if (!facts.kptShape) {
    return fail(task, "a pose model needs kpt_shape ([keypoints, values per keypoint]) in its metadata; it has none. Re-export it with Ultralytics, which writes it");
  }
  const [count, kdims] = facts.kptShape;
  if (kdims !== 2 && kdims !== 3) return fail(task, `kpt_shape [${count}, ${kdims}] must have 2 or 3 values per keypoint`);
  const fit = layoutWithExtra(dims, count * kdims, classCount, facts.end2end);
  if (!fit) {
    return fail(
      task,
      `kpt_shape [${count}, ${kdims}] and ${classCount ?? 'an unknown number of'} classes need [1, ${classCount === undefined ? '4+nc' : 4 + classCount}+${count * kdims}, N] or end-to-end [1, N, ${6 + count * kdims}]`,
    );
  }
  return { task, format: fit.format, detectionOutput, classCount: fit.classCount, extraOffset: fit.extraOffset, keypoints: { count, dims: kdims } };
}

/** A classifier's one output `[1, nc]`, its width matching the class names when the model has them. */
function classifyLayout(outputs: readonly (readonly number[])[], classCount: number | undefined, fail: (task: string, why: string) => never): ClassifyLayout {
  const output = outputs.findIndex((d) => d.length === 2);
  if (output < 0) return fail('classify', 'a classifier has one output of class probabilities [1, nc]; none of its outputs has 2 dimensions');
  const [batch, width] = outputs[output];
  if (batch !== 1 && batch !== -1) return fail('classify', `batch must be 1, got ${batch}`);
  if (!(width > 0)) return fail('classify', `the probabilities output [${outputs[output].join(', ')}] needs a fixed number of classes`);
  if (classCount !== undefined && width !== classCount) {
    return fail('classify', `the model has ${classCount} class names but its output has ${width} probabilities`);
  }
  return { task: 'classify', output, classCount: width };
}

interface ExtraLayout {
  readonly format: 'yolov8' | 'end2end';
  readonly classCount: number | undefined;
  readonly extraOffset: number;
}

/** Reads a detection output whose rows carry `extra` values after the classes: `[1, 4+nc+extra, N]` or `[1, N, 6+extra]`. */
function layoutWithExtra(dims: readonly number[], extra: number, classCount: number | undefined, end2end: boolean | undefined): ExtraLayout | undefined {
  const [, a, b] = dims;
  if (!(a > 0) || !(b > 0)) return undefined;
  const endToEnd: ExtraLayout | undefined = b === 6 + extra ? { format: 'end2end', classCount: undefined, extraOffset: 6 } : undefined;
  if (end2end === true) return endToEnd;
  if (classCount !== undefined) {
    if (a === 4 + classCount + extra) return { format: 'yolov8', classCount, extraOffset: 4 + classCount };
    return end2end === false ? undefined : endToEnd;
  }
  // No class names: anchors outnumber channels in every real YOLO output, and end-to-end outputs have 300 rows.
  if (a < b && a - 4 - extra >= 1) return { format: 'yolov8', classCount: a - 4 - extra, extraOffset: a - extra };
  return end2end === false ? undefined : endToEnd;
}
