/**
 * Instance masks from a segmentation model's mask coefficients and prototypes, as Ultralytics computes them
 * (followed: ultralytics main after PR #24463, May 2026, `utils/ops.py`):
 * - `process_mask(upsample=True)`, the default predictor: logits = coefficients × prototypes, bilinear
 *   upsample to the input size (align_corners false), `> 0`, crop to the box at input size; then the letterbox
 *   is removed and the mask scaled bilinearly to the image (`scale_masks`), a pixel kept where the scaled
 *   value is 1.0 (Ultralytics' validator truncates the float mask to uint8).
 * - `process_mask_native` (`retinaMasks`): logits scaled bilinearly from prototype resolution straight to the
 *   image (the letterbox removed at prototype scale), cropped to the box in image pixels, `> 0`.
 * Every step runs only inside the box, as crop-first implementations do: a mask costs its box's area, not
 * the image's. `crop_mask` keeps pixel index r where x1 <= r < x2 (its vectorised form; its loop form for
 * under 50 detections rounds the box, moving an edge by at most one input pixel).
 */
import type { Float32Tensor } from './backend.js';
import { type LetterboxGeometry, roundHalfEven } from './letterbox.js';
import { Mask } from './mask.js';
import type { ProtoLayout } from './task-layout.js';

/** One detection's mask inputs: its coefficients and its box in model-input pixels (x1, y1, x2, y2). */
export interface MaskRequest {
  readonly coefficients: Float32Array;
  readonly box: readonly [number, number, number, number];
  /** The box in image pixels (for the native path). */
  readonly imageBox: readonly [number, number, number, number];
}

/** Reads prototype logits for a block of prototype pixels on demand, for one set of coefficients. */
class ProtoLogits {
  readonly #protos: Float32Tensor;
  readonly #layout: ProtoLayout;
  readonly #coefficients: Float32Array;
  #y0 = 0;
  #x0 = 0;
  #w = 0;
  #values = new Float64Array(0);

  constructor(protos: Float32Tensor, layout: ProtoLayout, coefficients: Float32Array) {
    this.#protos = protos;
    this.#layout = layout;
    this.#coefficients = coefficients;
  }

  /** Computes coefficients · prototypes for prototype rows y0..y1 and columns x0..x1 (inclusive). */
  compute(y0: number, y1: number, x0: number, x1: number): void {
    const { channels, height, width, layout } = this.#layout;
    const data = this.#protos.data;
    const w = x1 - x0 + 1;
    const values = new Float64Array((y1 - y0 + 1) * w);
    const coefficients = this.#coefficients;
    if (layout === 'NCHW') {
      const plane = height * width;
      for (let k = 0; k < channels; k++) {
        const c = coefficients[k];
        const base = k * plane;
        for (let y = y0; y <= y1; y++) {
          const row = base + y * width;
          const out = (y - y0) * w - x0;
          for (let x = x0; x <= x1; x++) values[out + x] += c * data[row + x];
        }
      }
    } else {
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const at = (y * width + x) * channels;
          let sum = 0;
          for (let k = 0; k < channels; k++) sum += coefficients[k] * data[at + k];
          values[(y - y0) * w + (x - x0)] = sum;
        }
      }
    }
    this.#y0 = y0;
    this.#x0 = x0;
    this.#w = w;
    this.#values = values;
  }

  at(y: number, x: number): number {
    return this.#values[(y - this.#y0) * this.#w + (x - this.#x0)];
  }
}

/** PyTorch's `upsample_bilinear2d` source index (align_corners false): the taps and the weight of the second. */
interface Taps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly lambda: Float64Array;
}

function bilinearTaps(outStart: number, outEnd: number, inSize: number, outSize: number, inOffset = 0): Taps {
  const n = Math.max(0, outEnd - outStart);
  const i0 = new Int32Array(n);
  const i1 = new Int32Array(n);
  const lambda = new Float64Array(n);
  const scale = inSize / outSize;
  for (let k = 0; k < n; k++) {
    const src = Math.max(0, scale * (outStart + k + 0.5) - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[k] = lo + inOffset;
    i1[k] = (lo < inSize - 1 ? lo + 1 : lo) + inOffset;
    lambda[k] = lo < inSize - 1 ? src - lo : 0;
  }
  return { i0, i1, lambda };
}

/**
 * The region `scale_masks` cuts out of an `mh`×`mw` mask (input or prototype resolution) as the image's part
 * before scaling it to `H`×`W`: the padding of the unrounded gain, rounded with `round(pad ± 0.1)`. This is
 * not always the letterbox's own region (which rounds the resized size first): for 2 of the 32 coco32 images
 * at 320 they differ by a pixel, and Ultralytics' masks follow this one.
 */
function scaleMasksRegion(mh: number, mw: number, H: number, W: number): { left: number; top: number; width: number; height: number } {
  const gain = Math.min(mh / H, mw / W);
  const padW = (mw - W * gain) / 2;
  const padH = (mh - H * gain) / 2;
  const top = roundHalfEven(padH - 0.1);
  const left = roundHalfEven(padW - 0.1);
  return { left, top, width: mw - roundHalfEven(padW + 0.1) - left, height: mh - roundHalfEven(padH + 0.1) - top };
}

/** Pixel indices r with lo <= r < hi, within [0, size). */
function pixelRange(lo: number, hi: number, size: number): [number, number] {
  return [Math.max(0, Math.ceil(lo)), Math.min(size, Math.ceil(hi))];
}

/**
 * `process_mask(upsample=True)` then `scale_masks`: the mask at input resolution inside the box, then scaled
 * to the image. Returns `undefined` when the mask is empty at input resolution (Ultralytics drops such
 * detections).
 */
export function upsampledMask(protos: Float32Tensor, layout: ProtoLayout, request: MaskRequest, geometry: LetterboxGeometry): Mask | undefined {
  const { targetWidth: inW, targetHeight: inH } = geometry;
  const [c0, c1] = pixelRange(request.box[0], request.box[2], inW);
  const [r0, r1] = pixelRange(request.box[1], request.box[3], inH);
  if (c1 <= c0 || r1 <= r0) return undefined;

  // 1. Logits at input resolution inside the box, from the prototypes around it; > 0.
  const ys = bilinearTaps(r0, r1, layout.height, inH);
  const xs = bilinearTaps(c0, c1, layout.width, inW);
  const logits = new ProtoLogits(protos, layout, request.coefficients);
  logits.compute(ys.i0[0], ys.i1[ys.i1.length - 1], xs.i0[0], xs.i1[xs.i1.length - 1]);
  const bw = c1 - c0;
  const bh = r1 - r0;
  const inputMask = new Uint8Array(bw * bh);
  let any = false;
  for (let y = 0; y < bh; y++) {
    const ly = ys.lambda[y];
    for (let x = 0; x < bw; x++) {
      const lx = xs.lambda[x];
      const top = (1 - lx) * logits.at(ys.i0[y], xs.i0[x]) + lx * logits.at(ys.i0[y], xs.i1[x]);
      const bottom = (1 - lx) * logits.at(ys.i1[y], xs.i0[x]) + lx * logits.at(ys.i1[y], xs.i1[x]);
      if ((1 - ly) * top + ly * bottom > 0) {
        inputMask[y * bw + x] = 1;
        any = true;
      }
    }
  }
  if (!any) return undefined;

  // 2. scale_masks: the resized image's region of the input, scaled to the image. A pixel is set when every
  // input pixel it blends with a non-zero weight is set (the bilinear value is exactly 1.0).
  const { sourceWidth: W, sourceHeight: H } = geometry;
  const { left, top, width: resizedWidth, height: resizedHeight } = scaleMasksRegion(inH, inW, H, W);
  // Image pixels whose taps can reach the box: map the box back and widen by a pixel each side. A box from
  // the region's first column (row) on reaches every image pixel whose source index is clamped to 0: more
  // than a pixel when the image has over 4 pixels per input pixel (4K at 640).
  const scaleX = resizedWidth / W;
  const scaleY = resizedHeight / H;
  const X0 = c0 <= left ? 0 : Math.max(0, Math.floor((c0 - left + 0.5) / scaleX - 0.5) - 1);
  const X1 = Math.min(W, Math.ceil((c1 - left + 0.5) / scaleX + 0.5) + 1);
  const Y0 = r0 <= top ? 0 : Math.max(0, Math.floor((r0 - top + 0.5) / scaleY - 0.5) - 1);
  const Y1 = Math.min(H, Math.ceil((r1 - top + 0.5) / scaleY + 0.5) + 1);
  // A box wholly in the letterbox padding: set at input resolution, so kept as Ultralytics keeps it, but empty.
  if (X1 <= X0 || Y1 <= Y0) return new Mask(W, H, [0, 0, 0, 0], new Uint8Array(0));
  const iy = bilinearTaps(Y0, Y1, resizedHeight, H, top);
  const ix = bilinearTaps(X0, X1, resizedWidth, W, left);
  // Column taps relative to the box; `bw` stands for "outside the box", a slot that is never set, so the
  // inner loop needs no branch.
  const w = X1 - X0;
  const h = Y1 - Y0;
  const colA = new Int32Array(w);
  const colB = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    const a = ix.i0[x] - c0;
    const b = ix.lambda[x] > 0 ? ix.i1[x] - c0 : a;
    colA[x] = a >= 0 && a < bw ? a : bw;
    colB[x] = b >= 0 && b < bw ? b : bw;
  }
  // Per image row, the AND of the one or two input rows it blends, over the box's columns; consecutive image
  // rows often blend the same input rows, so the last one is reused.
  const rowAnd = new Uint8Array(bw + 1);
  let lastA = -2;
  let lastB = -2;
  const bits = new Uint8Array(Math.ceil((w * h) / 8));
  for (let y = 0; y < h; y++) {
    const a = iy.i0[y] - r0;
    const b = iy.lambda[y] > 0 ? iy.i1[y] - r0 : a;
    if (a < 0 || a >= bh || b < 0 || b >= bh) continue;
    if (a !== lastA || b !== lastB) {
      for (let x = 0; x < bw; x++) rowAnd[x] = inputMask[a * bw + x] & inputMask[b * bw + x];
      lastA = a;
      lastB = b;
    }
    let i = y * w;
    for (let x = 0; x < w; x++, i++) bits[i >> 3] |= (rowAnd[colA[x]] & rowAnd[colB[x]]) << (7 - (i & 7));
  }
  return new Mask(W, H, [X0, Y0, w, h], bits);
}

/**
 * `process_mask_native` (retina masks): logits scaled from prototype resolution to the image, cropped to the
 * box in image pixels, `> 0`. Returns `undefined` for an empty mask.
 */
export function nativeMask(protos: Float32Tensor, layout: ProtoLayout, request: MaskRequest, geometry: LetterboxGeometry): Mask | undefined {
  const { sourceWidth: W, sourceHeight: H } = geometry;
  const mh = layout.height;
  const mw = layout.width;
  // scale_masks at prototype scale.
  const { left, top, width: regionWidth, height: regionHeight } = scaleMasksRegion(mh, mw, H, W);
  const [X0, X1] = pixelRange(request.imageBox[0], request.imageBox[2], W);
  const [Y0, Y1] = pixelRange(request.imageBox[1], request.imageBox[3], H);
  if (X1 <= X0 || Y1 <= Y0) return undefined;
  const ys = bilinearTaps(Y0, Y1, regionHeight, H, top);
  const xs = bilinearTaps(X0, X1, regionWidth, W, left);
  const logits = new ProtoLogits(protos, layout, request.coefficients);
  const py0 = ys.i0[0];
  const py1 = ys.i1[ys.i1.length - 1];
  logits.compute(py0, py1, xs.i0[0], xs.i1[xs.i1.length - 1]);
  // Separable bilinear: each prototype row interpolated to the image columns once, then rows blended.
  const w = X1 - X0;
  const h = Y1 - Y0;
  const rows = new Float64Array((py1 - py0 + 1) * w);
  for (let py = py0; py <= py1; py++) {
    const out = (py - py0) * w;
    for (let x = 0; x < w; x++) {
      const lx = xs.lambda[x];
      rows[out + x] = (1 - lx) * logits.at(py, xs.i0[x]) + lx * logits.at(py, xs.i1[x]);
    }
  }
  const bits = new Uint8Array(Math.ceil((w * h) / 8));
  let any = false;
  for (let y = 0; y < h; y++) {
    const ly = ys.lambda[y];
    const a = (ys.i0[y] - py0) * w;
    const b = (ys.i1[y] - py0) * w;
    let i = y * w;
    for (let x = 0; x < w; x++, i++) {
      if ((1 - ly) * rows[a + x] + ly * rows[b + x] > 0) {
        bits[i >> 3] |= 0x80 >> (i & 7);
        any = true;
      }
    }
  }
  return any ? new Mask(W, H, [X0, Y0, w, h], bits) : undefined;
}
