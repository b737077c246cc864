/**
 * What each task adds to a kept detection, read from the model's outputs: one function per task, chosen by
 * the {@link TaskLayout}. The shared pipeline (decode, NMS, box mapping) stays in `model.ts`.
 */
import type { Float32Tensor } from './backend.js';
import type { Candidates } from './decode.js';
import { unletterboxKeypoints } from './keypoints.js';
import type { LetterboxGeometry } from './letterbox.js';
import { nativeMask, upsampledMask } from './segment-masks.js';
import type { DetectionExtras } from './result.js';
import type { TaskLayout } from './task-layout.js';

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
}

/** A task's extras for candidate `index`, or `undefined` to drop the detection (an empty mask). */
export type TaskHead = (index: number, input: HeadInput) => DetectionExtras | undefined;

/** The row values after the class scores (or after an end-to-end row's class): mask coefficients, keypoints. */
export function extraValues(layout: TaskLayout, output: Float32Tensor, anchor: number, count: number): Float32Array {
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

function segmentHead(layout: TaskLayout): TaskHead {
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

function poseHead(layout: TaskLayout): TaskHead {
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

/** The head of a layout's task. */
export function taskHead(layout: TaskLayout): TaskHead {
  switch (layout.task) {
    case 'segment':
      return segmentHead(layout);
    case 'pose':
      return poseHead(layout);
    default:
      return detectHead;
  }
}
