import type { CocoRle, Keypoints, Mask } from '@yolokit/core';

/**
 * A detection as the drawers read it: `@yolokit/core`'s `Detection` or its JSON (`DetectionJSON`), so that
 * a `Result` and `result.toJSON()` draw the same.
 */
export interface DrawableDetection {
  /** `[x1, y1, x2, y2]` in image pixels. */
  readonly box: readonly [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  readonly className: string;
  /** Segmentation: a `Mask`, or its COCO RLE from the JSON. */
  readonly mask?: Mask | CocoRle | undefined;
  /** Pose: `Keypoints`, or their JSON `[[x, y, visibility], ...]`. */
  readonly keypoints?: Keypoints | readonly (readonly number[])[] | undefined;
}

/** A result as the drawers read it: `@yolokit/core`'s `Result` or its JSON. */
export interface DrawableResult {
  /** Image size in pixels (after EXIF orientation). */
  readonly width: number;
  readonly height: number;
  /** Most confident first. */
  readonly detections: readonly DrawableDetection[];
  /** Pose: the limbs, as pairs of keypoint indices. */
  readonly skeleton?: readonly (readonly [number, number])[] | undefined;
}

/**
 * One image composited over the picture: an SVG the size of the image, or raw RGBA pixels (`raw`) placed at
 * `left`, `top`. The subset of sharp's `OverlayOptions` the drawers use.
 */
export interface DrawLayer {
  readonly input: Buffer;
  readonly left: number;
  readonly top: number;
  readonly raw?: { readonly width: number; readonly height: number; readonly channels: 4 };
}

/**
 * What one task adds to an annotated image (boxes and labels, masks, skeletons), as layers composited in order.
 * A drawer returns no layer for a result that has nothing of its kind, so every drawer runs on every result.
 */
export interface Drawer {
  /** For messages and tests: `boxes`, `masks`, `keypoints`. */
  readonly name: string;
  layers(result: DrawableResult): DrawLayer[];
}

/** Ultralytics' line width for an image: `max(round((w + h) / 2 × 0.003), 2)`. */
export function lineWidthFor(width: number, height: number): number {
  return Math.max(Math.round(((width + height) / 2) * 0.003), 2);
}
