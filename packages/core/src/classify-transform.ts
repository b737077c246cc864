/**
 * The input of an Ultralytics classifier: not the letterbox, but `classify_transforms(imgsz)` (followed:
 * ultralytics 8.4, `data/augment.py`, with the defaults the classify predictor uses for an exported model:
 * `crop_fraction` 1, mean 0, std 1): torchvision's `Resize(imgsz)` on a PIL image (the short side to `imgsz`, the
 * long side `int(imgsz · long / short)`, PIL's antialiased bilinear), `CenterCrop(imgsz)` (offsets
 * `int(round((side − imgsz) / 2))`, Python's half-to-even round), `ToTensor` (÷ 255).
 */
import type { RawImage } from './image-input.js';
import { type LetterboxGeometry, roundHalfEven } from './letterbox.js';

/**
 * Where an image lands in a classifier's `size`×`size` input, as a {@link LetterboxGeometry} whose padding is
 * negative: the image is resized to `resizedWidth`×`resizedHeight` and placed at (`left`, `top`) ≤ 0, so the
 * input shows its centre. `scale` is the short side's (the long side is truncated to whole pixels).
 *
 * @example
 * ```ts
 * import { classifyGeometry } from '@yolokit/core';
 * const g = classifyGeometry(810, 1080, 224); // resized 224x298, left 0, top -37
 * ```
 */
export function classifyGeometry(sourceWidth: number, sourceHeight: number, size: number): LetterboxGeometry {
  const short = Math.min(sourceWidth, sourceHeight);
  const long = Math.max(sourceWidth, sourceHeight);
  // torchvision's _compute_resized_output_size: int(size * long / short), evaluated left to right.
  const resizedLong = Math.trunc((size * long) / short);
  const [resizedWidth, resizedHeight] = sourceWidth <= sourceHeight ? [size, resizedLong] : [resizedLong, size];
  const cropLeft = roundHalfEven((resizedWidth - size) / 2);
  const cropTop = roundHalfEven((resizedHeight - size) / 2);
  return {
    sourceWidth,
    sourceHeight,
    targetWidth: size,
    targetHeight: size,
    scale: size / short,
    resizedWidth,
    resizedHeight,
    left: -cropLeft,
    top: -cropTop,
    right: -(resizedWidth - size - cropLeft),
    bottom: -(resizedHeight - size - cropTop),
  };
}

/** Fixed-point bits of PIL's 8-bit resampling (`PRECISION_BITS`, 32 − 8 − 2). */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** PIL's taps for outputs `first` to `first + count − 1` of a resize from `inSize` to `outSize`. */
interface Taps {
  /** First source index of each output. */
  readonly start: Int32Array;
  /** Number of source indices of each output. */
  readonly length: Int32Array;
  /** `ksize` fixed-point weights per output. */
  readonly weights: Int32Array;
  readonly ksize: number;
}

/**
 * PIL's `precompute_coeffs` for its bilinear filter (support 1, widened by the shrink factor so that shrinking
 * averages, as Pillow's `Resample.c` does) and `normalize_coeffs_8bpc` (weights to 22-bit fixed point, rounded
 * half away from zero), for a range of outputs only: the centre crop needs no others, and each output's taps
 * depend on nothing else.
 */
function pilTaps(inSize: number, outSize: number, first: number, count: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(1, scale);
  const support = filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(count);
  const length = new Int32Array(count);
  const weights = new Int32Array(count * ksize);
  const raw = new Float64Array(ksize);
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    // C's (int) truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterScale);
      raw[x] = t < 1 ? 1 - t : 0;
      sum += raw[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum === 0 ? raw[x] : raw[x] / sum;
      weights[i * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    start[i] = xmin;
    length[i] = xmax;
  }
  return { start, length, weights, ksize };
}

/** PIL's `clip8`: the fixed-point sum (offset by a half) to a byte. */
function clip8(sum: number): number {
  return Math.min(255, Math.max(0, Math.floor(sum / ONE)));
}

/**
 * An Ultralytics classifier's input from raw pixels: RGB bytes, `size × size × 3`, exactly as
 * `classify_transforms(size)` makes them from the same RGB pixels (PIL's two passes, horizontal then vertical,
 * each rounded to bytes, then the centre crop; alpha is ignored). Only the cropped part is computed.
 *
 * @returns the pixels and where they came from ({@link classifyGeometry})
 */
export function classifyPixels(image: RawImage, size: number): { pixels: Uint8Array; geometry: LetterboxGeometry } {
  const { data, width: sw, height: sh, channels } = image;
  const geometry = classifyGeometry(sw, sh, size);
  const xs = pilTaps(sw, geometry.resizedWidth, -geometry.left, size);
  const ys = pilTaps(sh, geometry.resizedHeight, -geometry.top, size);
  // Source rows the vertical pass reads.
  const firstRow = ys.start[0];
  const lastRow = ys.start[size - 1] + ys.length[size - 1];
  const rows = lastRow - firstRow;
  // Horizontal pass over those rows, for the cropped columns only.
  const temp = new Uint8Array(rows * size * 3);
  for (let r = 0; r < rows; r++) {
    const rowBase = (firstRow + r) * sw;
    for (let x = 0; x < size; x++) {
      const start = xs.start[x];
      const n = xs.length[x];
      const k = x * xs.ksize;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = 0; t < n; t++) {
        const w = xs.weights[k + t];
        const p = (rowBase + start + t) * channels;
        s0 += data[p] * w;
        s1 += data[p + 1] * w;
        s2 += data[p + 2] * w;
      }
      const o = (r * size + x) * 3;
      temp[o] = clip8(s0);
      temp[o + 1] = clip8(s1);
      temp[o + 2] = clip8(s2);
    }
  }
  // Vertical pass.
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const start = ys.start[y] - firstRow;
    const n = ys.length[y];
    const k = y * ys.ksize;
    for (let x = 0; x < size; x++) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = 0; t < n; t++) {
        const w = ys.weights[k + t];
        const p = ((start + t) * size + x) * 3;
        s0 += temp[p] * w;
        s1 += temp[p + 1] * w;
        s2 += temp[p + 2] * w;
      }
      const o = (y * size + x) * 3;
      pixels[o] = clip8(s0);
      pixels[o + 1] = clip8(s1);
      pixels[o + 2] = clip8(s2);
    }
  }
  return { pixels, geometry };
}
