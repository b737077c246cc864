/**
 * Letterbox geometry exactly as Ultralytics' `LetterBox` computes it (ultralytics/data/augment.py):
 * `r = min(H/h, W/w)`, the resized size rounded with Python's `round` (half to even), the padding split in
 * two and rounded with the same `round(d ± 0.1)` trick, so that the odd pixel goes to the bottom/right.
 */

/** Where an image lands inside the model input. */
export interface LetterboxGeometry {
  /** Original (oriented) image size. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Model input size. */
  readonly targetWidth: number;
  readonly targetHeight: number;
  /** The scale applied to the image: `min(targetHeight / sourceHeight, targetWidth / sourceWidth)`. */
  readonly scale: number;
  /** Size of the resized image inside the padding. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export interface LetterboxOptions {
  /**
   * Allow enlarging images smaller than the model input.
   * @defaultValue true
   */
  readonly scaleUp?: boolean;
  /**
   * Centre the image; when false it is placed top-left and all padding goes to the bottom/right.
   * @defaultValue true
   */
  readonly center?: boolean;
}

/** Python 3's `round()`: half to even. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Computes the letterbox of a `sourceWidth`×`sourceHeight` image into a `targetWidth`×`targetHeight` input.
 *
 * @example
 * ```ts
 * import { letterboxGeometry } from '@yolokit/core';
 * const g = letterboxGeometry(810, 1080, 640, 640);
 * // g.scale = 0.5926, g.resizedWidth = 480, g.left = 80, g.right = 80
 * ```
 */
export function letterboxGeometry(
  sourceWidth: number,
  sourceHeight: number,
  targetWidth: number,
  targetHeight: number,
  options: LetterboxOptions = {},
): LetterboxGeometry {
  const { scaleUp = true, center = true } = options;
  let scale = Math.min(targetHeight / sourceHeight, targetWidth / sourceWidth);
  if (!scaleUp) scale = Math.min(scale, 1);
  const resizedWidth = Math.min(targetWidth, Math.max(1, roundHalfEven(sourceWidth * scale)));
  const resizedHeight = Math.min(targetHeight, Math.max(1, roundHalfEven(sourceHeight * scale)));
  let dw = targetWidth - resizedWidth;
  let dh = targetHeight - resizedHeight;
  if (center) {
    dw /= 2;
    dh /= 2;
  }
  // dw - 0.1 is never a tie, so Math.round equals Python's round here.
  const top = center ? Math.max(0, Math.round(dh - 0.1)) : 0;
  const left = center ? Math.max(0, Math.round(dw - 0.1)) : 0;
  return {
    sourceWidth,
    sourceHeight,
    targetWidth,
    targetHeight,
    scale,
    resizedWidth,
    resizedHeight,
    top,
    left,
    // Whatever is left over, so the canvas is exactly the target size (Ultralytics resizes again if not).
    bottom: targetHeight - resizedHeight - top,
    right: targetWidth - resizedWidth - left,
  };
}

/**
 * Maps a box from model-input pixels back to original-image pixels, clipped to the image, as Ultralytics'
 * `scale_boxes` does: subtract the padding, divide by the scale.
 */
export function unletterboxBox(
  geometry: LetterboxGeometry,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): [number, number, number, number] {
  const { left, top, scale, sourceWidth, sourceHeight } = geometry;
  return [
    clip((x1 - left) / scale, sourceWidth),
    clip((y1 - top) / scale, sourceHeight),
    clip((x2 - left) / scale, sourceWidth),
    clip((y2 - top) / scale, sourceHeight),
  ];
}

function clip(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}
