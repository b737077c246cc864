import type { LetterboxGeometry } from './letterbox.js';

/**
 * The limbs drawn between COCO's 17 person keypoints (nose, eyes, ears, shoulders, elbows, wrists, hips,
 * knees, ankles), as index pairs: Ultralytics' `Annotator.skeleton` (ultralytics 8.4, `utils/plotting.py`),
 * made 0-based.
 */
export const COCO_KEYPOINT_SKELETON: readonly (readonly [number, number])[] = Object.freeze(
  (
    [
      [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8],
      [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
    ] as const
  ).map(([a, b]) => Object.freeze([a - 1, b - 1] as const)),
);

/**
 * Keypoints whose visibility is below this are neither drawn nor joined by limbs: Ultralytics'
 * `Annotator.kpts(conf_thres=0.25)` (ultralytics 8.4, `utils/plotting.py`; 0.5 in 8.0). Drawers share it.
 */
export const KEYPOINT_VISIBILITY_THRESHOLD = 0.25;

/** The skeleton to draw for `count` keypoints: COCO's for 17, none otherwise (the model does not say). */
export function skeletonFor(count: number): readonly (readonly [number, number])[] {
  return count === 17 ? COCO_KEYPOINT_SKELETON : [];
}

/**
 * One object's keypoints in original-image pixels: `[x, y, visibility]` each (or `[x, y]` for models whose
 * `kpt_shape` has 2 values per keypoint).
 */
export class Keypoints {
  /** `count` × `dims` values: x, y (and visibility), keypoint after keypoint. */
  readonly data: Float32Array;
  /** Values per keypoint: 2 (x, y) or 3 (x, y, visibility). */
  readonly dims: number;

  constructor(data: Float32Array, dims: number) {
    this.data = data;
    this.dims = dims;
  }

  /** Number of keypoints. */
  get count(): number {
    return this.data.length / this.dims;
  }

  /** `[x, y]` of each keypoint in image pixels. */
  get xy(): Array<[number, number]> {
    return Array.from({ length: this.count }, (_, k) => [this.data[k * this.dims], this.data[k * this.dims + 1]]);
  }

  /** Visibility (0..1) of each keypoint, or `undefined` when the model gives none. */
  get visibility(): number[] | undefined {
    if (this.dims < 3) return undefined;
    return Array.from({ length: this.count }, (_, k) => this.data[k * this.dims + 2]);
  }

  /** `[[x, y, visibility], ...]` (or `[[x, y], ...]`). */
  toJSON(): number[][] {
    return Array.from({ length: this.count }, (_, k) => Array.from(this.data.subarray(k * this.dims, (k + 1) * this.dims)));
  }

  static fromJSON(points: readonly (readonly number[])[]): Keypoints {
    const dims = points[0]?.length ?? 3;
    const data = new Float32Array(points.length * dims);
    for (const [k, p] of points.entries()) data.set(p, k * dims);
    return new Keypoints(data, dims);
  }
}

/**
 * Maps raw keypoints (model-input pixels) back to the image as Ultralytics' `scale_coords` does: subtract the
 * letterbox padding, divide by the scale, clip to the image. Visibility is kept as the model gives it.
 */
export function unletterboxKeypoints(geometry: LetterboxGeometry, raw: Float32Array, dims: number): Keypoints {
  const { left, top, scale, sourceWidth, sourceHeight } = geometry;
  const out = new Float32Array(raw.length);
  for (let k = 0; k < raw.length; k += dims) {
    out[k] = Math.min(sourceWidth, Math.max(0, (raw[k] - left) / scale));
    out[k + 1] = Math.min(sourceHeight, Math.max(0, (raw[k + 1] - top) / scale));
    for (let d = 2; d < dims; d++) out[k + d] = raw[k + d];
  }
  return new Keypoints(out, dims);
}
