/**
 * From a model's outputs to what a result carries, per task: the shared pipeline for the tasks that find objects
 * (decode, NMS, box mapping), with what each task adds to a kept detection read by one function per task, and a
 * classifier's probabilities. Chosen by the {@link TaskLayout}.
 */
import type { Float32Tensor } from './backend.js';
import { type Candidates, decodeOutput } from './decode.js';
import { skeletonFor, unletterboxKeypoints } from './keypoints.js';
import { type LetterboxGeometry, unletterboxBox } from './letterbox.js';
import { nonMaxSuppression, topK } from './nms.js';
import { orientedBoxBounds, regularizeOrientedBox, unletterboxOrientedBox } from './oriented-box.js';
import type { ResolvedPredictOptions } from './predict-options.js';
import { type ClassScore, Detection, type DetectionExtras } from './result.js';
import { rotatedNonMaxSuppression } from './rotated-nms.js';
import { nativeMask, upsampledMask } from './segment-masks.js';
import type { ClassifyLayout, DetectionLayout, TaskLayout } from './task-layout.js';

/** What a head needs besides the layout. */
export interface HeadInput {
  readonly outputs: readonly Float32Tensor[];
  readonly candidates: Candidates;
  /** The candidate's box in model-input pixels (x1, y1, x2, y2). */
  readonly inputBox: (index: number) => readonly [number, number, number, number];
  /** The same box in image pixels. */
  readonly imageBox: (index: number) => readonly [number, number, number, number];
  readonly geometry: LetterboxGeometry;
  readonly retinaMasks: boolean;
  /** Oriented-box models: `cx, cy, w, h, angle` per candidate in model-input pixels. */
  readonly orientedBoxes?: Float64Array;
}

/** A task's extras for candidate `index`, or `undefined` to drop the detection (an empty mask). */
export type TaskHead = (index: number, input: HeadInput) => DetectionExtras | undefined;

/** The row values after the class scores (or after an end-to-end row's class): mask coefficients, keypoints. */
export function extraValues(layout: DetectionLayout, output: Float32Tensor, anchor: number, count: number): Float32Array {
  const data = output.data;
  const values = new Float32Array(count);
  if (layout.format === 'yolov8') {
    const anchors = output.dims[2];
    for (let k = 0; k < count; k++) values[k] = data[(layout.extraOffset + k) * anchors + anchor];
  } else {
    const width = output.dims[2];
    values.set(data.subarray(anchor * width + layout.extraOffset, anchor * width + layout.extraOffset + count));
  }
  return values;
}

const detectHead: TaskHead = () => ({});

function segmentHead(layout: DetectionLayout): TaskHead {
  const protoLayout = layout.protos;
  if (!protoLayout) throw new Error('segment layout without prototypes');
  return (index, input) => {
    const detection = input.outputs[layout.detectionOutput];
    const protos = input.outputs[protoLayout.output];
    const request = {
      coefficients: extraValues(layout, detection, input.candidates.anchors[index], protoLayout.channels),
      box: input.inputBox(index),
      imageBox: input.imageBox(index),
    };
    const mask = input.retinaMasks
      ? nativeMask(protos, protoLayout, request, input.geometry)
      : upsampledMask(protos, protoLayout, request, input.geometry);
    return mask ? { mask } : undefined;
  };
}

function poseHead(layout: DetectionLayout): TaskHead {
  const shape = layout.keypoints;
  if (!shape) throw new Error('pose layout without keypoints');
  return (index, input) => {
    const detection = input.outputs[layout.detectionOutput];
    const raw = extraValues(layout, detection, input.candidates.anchors[index], shape.count * shape.dims);
    if (input.candidates.normalised) {
      const { targetWidth, targetHeight } = input.geometry;
      for (let k = 0; k < raw.length; k += shape.dims) {
        raw[k] *= targetWidth;
        raw[k + 1] *= targetHeight;
      }
    }
    return { keypoints: unletterboxKeypoints(input.geometry, raw, shape.dims) };
  };
}

/** Oriented boxes: the candidate's box regularised (angle in [0, π/2)) in input pixels, then mapped to the image. */
const obbHead: TaskHead = (index, input) => {
  const boxes = input.orientedBoxes;
  if (!boxes) throw new Error('obb head without oriented boxes');
  const o = index * 5;
  const regular = regularizeOrientedBox({ cx: boxes[o], cy: boxes[o + 1], w: boxes[o + 2], h: boxes[o + 3], angle: boxes[o + 4] });
  return { obb: unletterboxOrientedBox(input.geometry, regular) };
};

/** The head of a layout's task. */
export function taskHead(layout: DetectionLayout): TaskHead {
  switch (layout.task) {
    case 'segment':
      return segmentHead(layout);
    case 'pose':
      return poseHead(layout);
    case 'obb':
      return obbHead;
    default:
      return detectHead;
  }
}

/**
 * `cx, cy, w, h, angle` of every candidate of an oriented-box model, read from its output row (the
 * candidates' axis-aligned boxes lose the angle), in input pixels: `[1, 4+nc+1, N]` channel-major, or
 * end-to-end rows `cx, cy, w, h, score, class, angle`.
 */
export function orientedBoxesOf(layout: DetectionLayout, output: Float32Tensor, candidates: Candidates, inputWidth: number, inputHeight: number): Float64Array {
  const data = output.data;
  const boxes = new Float64Array(candidates.count * 5);
  const [sx, sy] = candidates.normalised ? [inputWidth, inputHeight] : [1, 1];
  // Value k of a row sits at base + k·step: rows of N anchors (channel-major), or one row per detection.
  const channelMajor = layout.format === 'yolov8';
  const step = channelMajor ? output.dims[2] : 1;
  for (let i = 0; i < candidates.count; i++) {
    const base = channelMajor ? candidates.anchors[i] : candidates.anchors[i] * output.dims[2];
    boxes[i * 5] = data[base] * sx;
    boxes[i * 5 + 1] = data[base + step] * sy;
    boxes[i * 5 + 2] = data[base + 2 * step] * sx;
    boxes[i * 5 + 3] = data[base + 3 * step] * sy;
    boxes[i * 5 + 4] = data[base + layout.extraOffset * step];
  }
  return boxes;
}

/** What {@link decodeTask} needs besides the layout. */
export interface TaskDecodeInput {
  readonly outputs: readonly Float32Tensor[];
  /** Where the image lies in the model input (a classifier's centre crop is a letterbox with negative padding). */
  readonly geometry: LetterboxGeometry;
  readonly options: ResolvedPredictOptions;
  readonly names: Readonly<Record<number, string>>;
  /** Whether boxes are normalised to 0..1, or `'auto'` to decide from the values. */
  readonly normalizedBoxes: boolean | 'auto';
}

/** What a prediction found, as {@link Result} carries it. */
export interface TaskFindings {
  readonly detections: Detection[];
  /** Pose: the limbs to draw. */
  readonly skeleton?: readonly (readonly [number, number])[];
  /** Classify: every class's probability, in class order. */
  readonly probs?: Float32Array;
  /** Classify: the five most probable classes, most probable first. */
  readonly top5?: ClassScore[];
}

const classNameOf = (names: Readonly<Record<number, string>>, classId: number): string => names[classId] ?? `class${classId}`;

/**
 * Decodes a model's outputs as its task's layout says: candidates above `conf`, NMS (rotated for obb; none for
 * end-to-end outputs), each kept detection mapped to the image with what its task adds; or a classifier's
 * probabilities and top five.
 */
export function decodeTask(layout: TaskLayout, input: TaskDecodeInput): TaskFindings {
  if (layout.task === 'classify') return classify(layout, input);
  const { outputs, geometry, options } = input;
  const output = outputs[layout.detectionOutput];
  const candidates = decodeOutput(output, layout.format, {
    conf: options.conf,
    classes: options.classes ? new Set(options.classes) : undefined,
    inputWidth: geometry.targetWidth,
    inputHeight: geometry.targetHeight,
    normalizedBoxes: input.normalizedBoxes,
    classCount: layout.classCount,
  });
  const orientedBoxes = layout.task === 'obb' ? orientedBoxesOf(layout, output, candidates, geometry.targetWidth, geometry.targetHeight) : undefined;
  const nms = { iou: options.iou, maxDet: options.maxDet, agnostic: options.agnostic };
  const keep =
    layout.format === 'end2end'
      ? topK(candidates, options.maxDet)
      : orientedBoxes
        ? rotatedNonMaxSuppression(orientedBoxes, candidates, nms)
        : nonMaxSuppression(candidates, nms);
  const b = candidates.boxes;
  const inputBox = (i: number) => [b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]] as const;
  const imageBox = (i: number) => unletterboxBox(geometry, b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]);
  const head = taskHead(layout);
  const headInput: HeadInput = { outputs, candidates, inputBox, imageBox, geometry, retinaMasks: options.retinaMasks, orientedBoxes };
  const detections: Detection[] = [];
  for (const i of keep) {
    const extras = head(i, headInput);
    if (!extras) continue;
    const classId = candidates.classIds[i];
    // An oriented box's axis-aligned box is its corners' extent (Ultralytics' OBB.xyxy).
    const box = extras.obb ? orientedBoxBounds(extras.obb) : imageBox(i);
    detections.push(new Detection(box, candidates.scores[i], classId, classNameOf(input.names, classId), geometry.sourceWidth, geometry.sourceHeight, extras));
  }
  return { detections, ...(layout.keypoints ? { skeleton: skeletonFor(layout.keypoints.count) } : {}) };
}

/**
 * A classifier's `[1, nc]` probabilities as they are (Ultralytics' `Probs`), and the five highest (`top5`),
 * ties in class order. `conf`, which filters detections, does not filter them: Ultralytics' classify
 * predictor ignores it too.
 */
function classify(layout: ClassifyLayout, input: TaskDecodeInput): TaskFindings {
  const probs = Float32Array.from(input.outputs[layout.output].data.subarray(0, layout.classCount));
  const order = Array.from({ length: probs.length }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  const top5 = order.slice(0, 5).map((classId) => ({ classId, className: classNameOf(input.names, classId), confidence: probs[classId] }));
  return { detections: [], probs, top5 };
}
