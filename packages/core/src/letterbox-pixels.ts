import type { RawImage } from './image-input.js';
import { type LetterboxGeometry, letterboxGeometry, roundHalfEven } from './letterbox.js';

/**
 * Letterboxes raw pixels in plain JavaScript, for environments without sharp (browsers, workers). The resize is
 * OpenCV's `cv2.resize(..., INTER_LINEAR)` on uint8 images, which Ultralytics' `LetterBox` calls, reproduced to the
 * bit: half-pixel centres, two taps per axis, edges clamped, no antialiasing, and OpenCV's fixed-point arithmetic
 * (weights in 1/2048, the vertical pass rounded as its SIMD kernels round). Output: RGB bytes,
 * `targetHeight × targetWidth × 3`, padding gray 114.
 */
export function letterboxPixels(
  image: RawImage,
  targetWidth: number,
  targetHeight: number,
): { pixels: Uint8Array; geometry: LetterboxGeometry } {
  const geometry = letterboxGeometry(image.width, image.height, targetWidth, targetHeight);
  const { resizedWidth: rw, resizedHeight: rh, left, top } = geometry;
  // One memset of gray and the image over it: filling only the padding, row by row, measured slower.
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  resizeLinearInto(image, rw, rh, out, targetWidth * 3, (top * targetWidth + left) * 3);
  return { pixels: out, geometry };
}

/**
 * The model input of a letterbox: `resized` (RGB bytes, `resizedHeight × resizedWidth × 3`) placed at
 * (`left`, `top`) in a `targetHeight × targetWidth × 3` image of gray 114, Ultralytics' padding.
 */
export function placeInLetterbox(resized: Uint8Array, geometry: LetterboxGeometry): Uint8Array {
  const { resizedWidth: rw, resizedHeight: rh, targetWidth, targetHeight, left, top } = geometry;
  if (resized.length !== rw * rh * 3) throw new RangeError(`expected ${rw}x${rh}x3 = ${rw * rh * 3} bytes, got ${resized.length}`);
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  const row = rw * 3;
  for (let y = 0; y < rh; y++) out.set(resized.subarray(y * row, (y + 1) * row), ((y + top) * targetWidth + left) * 3);
  return out;
}

// OpenCV's INTER_RESIZE_COEF_BITS: interpolation weights are integers scaled by 2048.
const COEF_SCALE = 2048;

/**
 * `cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)` of the first three channels, written as RGB
 * bytes into `out` from `offset`, rows `stride` bytes apart. Two separable passes as in OpenCV's `resizeGeneric_`
 * (modules/imgproc/src/resize.cpp): each source row that an output row needs is interpolated horizontally once
 * (`HResizeLinear`, integer weights), kept while the next output row needs it, and two such rows are blended
 * vertically (`VResizeLinearVec_32s8u`). The vertical pass follows OpenCV's SIMD kernel, not its scalar
 * `FixedPtCast` fallback, because that is what opencv-python's x86-64 wheels compute for every pixel: it rounds
 * in two steps (`(S >> 4) * w >> 16` per row, then `(sum + 2) >> 2`), one level away from the scalar rounding on
 * about 1 byte in 13. Compared with opencv-python 4.14 and 5.0 (x86-64) on the 32 coco32 images and bus/zidane
 * at 640 and 320, RGB and RGBA, and on 400 random sizes from 1×1 to 59×59 into 1×1 to 89×89: identical bytes
 * (bench/README.md).
 */
function resizeLinearInto(image: RawImage, width: number, height: number, out: Uint8Array, stride: number, offset: number): void {
  const { data, width: sw, height: sh, channels } = image;
  if (sw === width && sh === height) {
    copyInto(image, out, stride, offset);
    return;
  }
  if (sw === 2 * width && sh === 2 * height) {
    halveInto(image, width, height, out, stride, offset);
    return;
  }
  // Horizontal taps: byte offsets of the two source pixels in a row, and their weights.
  const xs = linearTaps(sw, width, true);
  for (let x = 0; x < width; x++) {
    xs.first[x] *= channels;
    xs.second[x] *= channels;
  }
  const ys = linearTaps(sh, height, false);
  const rowLength = width * 3;
  // The horizontal pass of two source rows, already shifted right by 4 as the vertical kernel takes them.
  let upper = new Int32Array(rowLength);
  let lower = new Int32Array(rowLength);
  let upperRow = -1;
  let lowerRow = -1;
  for (let y = 0; y < height; y++) {
    const sy0 = ys.first[y];
    const sy1 = ys.second[y];
    // Rows only move down: the lower row of the previous output row is often this one's upper row.
    if (sy0 !== upperRow) {
      if (sy0 === lowerRow) {
        const swap = upper;
        upper = lower;
        lower = swap;
        upperRow = lowerRow;
        lowerRow = -1;
      } else {
        horizontalPass(data, sy0 * sw * channels, xs, width, upper);
        upperRow = sy0;
      }
    }
    if (sy1 !== lowerRow && sy1 !== sy0) {
      horizontalPass(data, sy1 * sw * channels, xs, width, lower);
      lowerRow = sy1;
    }
    const below = sy1 === sy0 ? upper : lower;
    const b0 = ys.weight0[y];
    const b1 = ys.weight1[y];
    // No clamp needed: each product is at most 32640 × 2048 < 2^31, and with weights summing to 2048 (2049 at
    // worst, rounded independently) the sum of the two floored terms is at most 1020, so the byte is at most 255.
    for (let i = 0, o = offset + y * stride; i < rowLength; i++, o++) {
      out[o] = (((upper[i] * b0) >> 16) + ((below[i] * b1) >> 16) + 2) >> 2;
    }
  }
}

/**
 * The image already at its letterboxed size (a 640×480 photo into 640): Ultralytics' `LetterBox` does not call
 * `cv2.resize` then, and the fixed-point passes would give the same bytes anyway (weights 2048 and 0), so copy.
 */
function copyInto(image: RawImage, out: Uint8Array, stride: number, offset: number): void {
  const { data, width, height, channels } = image;
  for (let y = 0, p = 0; y < height; y++) {
    for (let o = offset + y * stride, end = o + width * 3; o < end; o += 3, p += channels) {
      out[o] = data[p];
      out[o + 1] = data[p + 1];
      out[o + 2] = data[p + 2];
    }
  }
}

/**
 * An exact 2× downscale (1280×720 into 640×360): OpenCV's `resize` switches INTER_LINEAR to its fast INTER_AREA
 * path there, the rounded mean of each 2×2 block, `(a + b + c + d + 2) >> 2`, which is also what the fixed-point
 * linear passes give at weights 1024/1024 (`(a + b) × 1024 >> 4`, then `× 1024 >> 16` per row): the same bytes in
 * one pass, without the horizontal rows.
 */
function halveInto(image: RawImage, width: number, height: number, out: Uint8Array, stride: number, offset: number): void {
  const { data, width: sw, channels } = image;
  const sourceRow = sw * channels;
  for (let y = 0; y < height; y++) {
    let p = 2 * y * sourceRow;
    let q = p + sourceRow;
    for (let o = offset + y * stride, end = o + width * 3; o < end; o += 3, p += 2 * channels, q += 2 * channels) {
      out[o] = (data[p] + data[p + channels] + data[q] + data[q + channels] + 2) >> 2;
      out[o + 1] = (data[p + 1] + data[p + 1 + channels] + data[q + 1] + data[q + 1 + channels] + 2) >> 2;
      out[o + 2] = (data[p + 2] + data[p + 2 + channels] + data[q + 2] + data[q + 2 + channels] + 2) >> 2;
    }
  }
}

/**
 * OpenCV's `HResizeLinear` of one source row starting at byte `base`: two taps per output pixel with weights in
 * 1/2048, the sums shifted right by 4 as `VResizeLinearVec_32s8u` takes them. A function of its own, not a closure,
 * so that the optimised caller is not thrown away for a new closure on every image.
 */
function horizontalPass(data: ArrayLike<number>, base: number, xs: Taps, width: number, into: Int32Array): void {
  const { first, second, weight0, weight1 } = xs;
  for (let x = 0, i = 0; x < width; x++, i += 3) {
    const p = base + first[x];
    const q = base + second[x];
    const w0 = weight0[x];
    const w1 = weight1[x];
    into[i] = (data[p] * w0 + data[q] * w1) >> 4;
    into[i + 1] = (data[p + 1] * w0 + data[q + 1] * w1) >> 4;
    into[i + 2] = (data[p + 2] * w0 + data[q + 2] * w1) >> 4;
  }
}

/** One axis of the resize: the two source indices of each output index and their weights (scaled by 2048). */
interface Taps {
  first: Int32Array;
  second: Int32Array;
  weight0: Int32Array;
  weight1: Int32Array;
}

/**
 * Source indices and fixed-point weights of OpenCV's linear interpolation along one axis (`resize()`'s coefficient
 * tables): the source coordinate `(i + 0.5) × scale − 0.5` in single precision, each weight rounded half to even
 * after scaling by 2048 (`saturate_cast<short>`, i.e. `cvRound`). Horizontally a coordinate outside the image takes the edge pixel with weight 1
 * (`clampWeights`); vertically OpenCV keeps the fractional weight and clamps only the row indices, so the edge
 * row gets both weights (which do not always sum to exactly 2048 before its rounding).
 */
function linearTaps(sourceSize: number, targetSize: number, clampWeights: boolean): Taps {
  // OpenCV computes scale as 1 / (dst / src), which can differ from src / dst in the last bit.
  const scale = 1 / (targetSize / sourceSize);
  const first = new Int32Array(targetSize);
  const second = new Int32Array(targetSize);
  const weight0 = new Int32Array(targetSize);
  const weight1 = new Int32Array(targetSize);
  for (let i = 0; i < targetSize; i++) {
    const f = Math.fround((i + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    let fraction = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) {
        s = 0;
        fraction = 0;
      }
      if (s >= sourceSize - 1) {
        s = sourceSize - 1;
        fraction = 0;
      }
    }
    first[i] = Math.min(Math.max(s, 0), sourceSize - 1);
    second[i] = Math.min(Math.max(s + 1, 0), sourceSize - 1);
    weight0[i] = roundHalfEven(Math.fround(1 - fraction) * COEF_SCALE);
    weight1[i] = roundHalfEven(fraction * COEF_SCALE);
  }
  return { first, second, weight0, weight1 };
}
