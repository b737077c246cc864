import type { Float32Tensor } from './backend.js';
import type { OutputFormat } from './output-format.js';

/** Detection candidates in model-input pixels, before NMS, in struct-of-arrays form. */
export interface Candidates {
  count: number;
  /** x1, y1, x2, y2 per candidate. */
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
  /**
   * The output row (anchor) each candidate came from, so a task head can read that row's extra values
   * (mask coefficients, keypoints) after NMS without copying them for every candidate.
   */
  anchors: Int32Array;
  /** Whether the boxes were normalised to 0..1 and scaled to input pixels (a task's extra coordinates need the same). */
  normalised?: boolean;
}

export interface DecodeOptions {
  /** Keep candidates whose score is strictly above this. */
  readonly conf: number;
  /** Keep only these class ids. */
  readonly classes?: ReadonlySet<number>;
  /** Model input size, to scale normalised boxes back to pixels. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /**
   * Whether box coordinates are normalised to 0..1 rather than input pixels. `'auto'` decides per output:
   * some TF.js exports normalise, and no real box in pixels of a ≥32 px input has every coordinate ≤ 1.5.
   */
  readonly normalizedBoxes: boolean | 'auto';
  /**
   * Number of class scores per row. Rows may carry more values after them (32 mask coefficients of a
   * segmentation model, K×D keypoint values of a pose model), which the decoder leaves alone.
   * @defaultValue every value after the box (and objectness) is a class score
   */
  readonly classCount?: number;
}

function grow(candidates: Candidates): void {
  const capacity = candidates.scores.length * 2;
  const boxes = new Float32Array(capacity * 4);
  boxes.set(candidates.boxes);
  const scores = new Float32Array(capacity);
  scores.set(candidates.scores);
  const classIds = new Int32Array(capacity);
  classIds.set(candidates.classIds);
  const anchors = new Int32Array(capacity);
  anchors.set(candidates.anchors);
  candidates.boxes = boxes;
  candidates.scores = scores;
  candidates.classIds = classIds;
  candidates.anchors = anchors;
}

function push(c: Candidates, x1: number, y1: number, x2: number, y2: number, score: number, classId: number, anchor: number): void {
  if (c.count === c.scores.length) grow(c);
  const i = c.count++;
  c.boxes[i * 4] = x1;
  c.boxes[i * 4 + 1] = y1;
  c.boxes[i * 4 + 2] = x2;
  c.boxes[i * 4 + 3] = y2;
  c.scores[i] = score;
  c.classIds[i] = classId;
  c.anchors[i] = anchor;
}

function emptyCandidates(): Candidates {
  return {
    count: 0,
    boxes: new Float32Array(256 * 4),
    scores: new Float32Array(256),
    classIds: new Int32Array(256),
    anchors: new Int32Array(256),
  };
}

/** Decodes a raw detection output into candidates above `conf` (boxes in input pixels, xyxy). */
export function decodeOutput(output: Float32Tensor, format: OutputFormat, options: DecodeOptions): Candidates {
  const candidates =
    format === 'yolov8'
      ? decodeYolov8(output, options)
      : format === 'yolov5'
        ? decodeYolov5(output, options)
        : decodeEnd2end(output, options);
  scaleIfNormalised(candidates, options);
  return candidates;
}

/** `[1, 4+nc(+extra), N]`: channel-major, so scan class rows outermost to read memory in order. */
function decodeYolov8(output: Float32Tensor, options: DecodeOptions): Candidates {
  const [, channels, anchors] = output.dims;
  const data = output.data;
  const classCount = options.classCount ?? channels - 4;
  const best = new Float32Array(anchors).fill(Number.NEGATIVE_INFINITY);
  const bestClass = new Int32Array(anchors).fill(-1);
  for (let k = 0; k < classCount; k++) {
    if (options.classes && !options.classes.has(k)) continue;
    const row = (4 + k) * anchors;
    for (let i = 0; i < anchors; i++) {
      const s = data[row + i];
      if (s > best[i]) {
        best[i] = s;
        bestClass[i] = k;
      }
    }
  }
  const out = emptyCandidates();
  for (let i = 0; i < anchors; i++) {
    const score = best[i];
    if (!(score > options.conf)) continue;
    const cx = data[i];
    const cy = data[anchors + i];
    const hw = data[2 * anchors + i] / 2;
    const hh = data[3 * anchors + i] / 2;
    push(out, cx - hw, cy - hh, cx + hw, cy + hh, score, bestClass[i], i);
  }
  return out;
}

/** `[1, N, 5+nc]`: score = objectness × best class score. */
function decodeYolov5(output: Float32Tensor, options: DecodeOptions): Candidates {
  const [, anchors, width] = output.dims;
  const data = output.data;
  const classCount = options.classCount ?? width - 5;
  const out = emptyCandidates();
  for (let i = 0; i < anchors; i++) {
    const base = i * width;
    const objectness = data[base + 4];
    if (!(objectness > options.conf)) continue;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestClass = -1;
    for (let k = 0; k < classCount; k++) {
      if (options.classes && !options.classes.has(k)) continue;
      const s = data[base + 5 + k];
      if (s > bestScore) {
        bestScore = s;
        bestClass = k;
      }
    }
    const score = objectness * bestScore;
    if (!(score > options.conf)) continue;
    const cx = data[base];
    const cy = data[base + 1];
    const hw = data[base + 2] / 2;
    const hh = data[base + 3] / 2;
    push(out, cx - hw, cy - hh, cx + hw, cy + hh, score, bestClass, i);
  }
  return out;
}

/** `[1, N, 6(+extra)]`: x1, y1, x2, y2, score, class, then a task's extra values. */
function decodeEnd2end(output: Float32Tensor, options: DecodeOptions): Candidates {
  const [, rows, width] = output.dims;
  const data = output.data;
  const out = emptyCandidates();
  for (let i = 0; i < rows; i++) {
    const base = i * width;
    const score = data[base + 4];
    if (!(score > options.conf)) continue;
    const classId = Math.round(data[base + 5]);
    if (options.classes && !options.classes.has(classId)) continue;
    push(out, data[base], data[base + 1], data[base + 2], data[base + 3], score, classId, i);
  }
  return out;
}

function scaleIfNormalised(candidates: Candidates, options: DecodeOptions): void {
  let normalised = options.normalizedBoxes === true;
  if (options.normalizedBoxes === 'auto' && candidates.count > 0) {
    let max = 0;
    for (let i = 0; i < candidates.count * 4; i++) max = Math.max(max, Math.abs(candidates.boxes[i]));
    normalised = max <= 1.5;
  }
  candidates.normalised = normalised;
  if (!normalised) return;
  for (let i = 0; i < candidates.count; i++) {
    candidates.boxes[i * 4] *= options.inputWidth;
    candidates.boxes[i * 4 + 1] *= options.inputHeight;
    candidates.boxes[i * 4 + 2] *= options.inputWidth;
    candidates.boxes[i * 4 + 3] *= options.inputHeight;
  }
}
