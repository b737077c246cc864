import { describe, expect, it } from 'vitest';
import type { TensorLayout } from './backend.js';
import { letterboxGeometry, unletterboxBox } from './letterbox.js';
import type { Mask } from './mask.js';
import { type MaskRequest, nativeMask, upsampledMask } from './segment-masks.js';
import type { ProtoLayout } from './task-layout.js';

// ---------------------------------------------------------------------------------------------------------------
// A straightforward reference, written from Ultralytics' functions (utils/ops.py) as they read, on whole images:
// no crop-first shortcut, no region bookkeeping. Arithmetic in float64, in the order PyTorch writes it.
// ---------------------------------------------------------------------------------------------------------------

/** Python's round(): half to even. */
function pythonRound(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

interface Plane {
  readonly height: number;
  readonly width: number;
  readonly data: Float64Array;
}

/** coefficients @ protos.view(c, -1), viewed as mh × mw. */
function referenceLogits(protos: Float32Array, layout: ProtoLayout, coefficients: Float32Array): Plane {
  const { channels, height, width } = layout;
  const data = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < channels; k++) {
        const value = layout.layout === 'NCHW' ? protos[(k * height + y) * width + x] : protos[(y * width + x) * channels + k];
        sum += coefficients[k] * value;
      }
      data[y * width + x] = sum;
    }
  }
  return { height, width, data };
}

/** F.interpolate(mode='bilinear', align_corners=False) to outHeight × outWidth (PyTorch's upsample_bilinear2d). */
function referenceBilinear(input: Plane, outHeight: number, outWidth: number): Plane {
  const source = (scale: number, index: number, size: number) => {
    const real = Math.max(0, scale * (index + 0.5) - 0.5);
    const i0 = Math.floor(real);
    const step = i0 < size - 1 ? 1 : 0;
    return { i0, i1: i0 + step, lambda: real - i0 };
  };
  const data = new Float64Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const sy = source(input.height / outHeight, y, input.height);
    for (let x = 0; x < outWidth; x++) {
      const sx = source(input.width / outWidth, x, input.width);
      const at = (r: number, c: number) => input.data[r * input.width + c];
      data[y * outWidth + x] =
        (1 - sy.lambda) * ((1 - sx.lambda) * at(sy.i0, sx.i0) + sx.lambda * at(sy.i0, sx.i1)) +
        sy.lambda * ((1 - sx.lambda) * at(sy.i1, sx.i0) + sx.lambda * at(sy.i1, sx.i1));
    }
  }
  return { height: outHeight, width: outWidth, data };
}

/** crop_mask: zero outside x1 <= c < x2, y1 <= r < y2 (its vectorised form). */
function referenceCrop(plane: Plane, box: readonly number[]): Plane {
  const data = plane.data.slice();
  for (let r = 0; r < plane.height; r++) {
    for (let c = 0; c < plane.width; c++) if (!(c >= box[0] && c < box[2] && r >= box[1] && r < box[3])) data[r * plane.width + c] = 0;
  }
  return { ...plane, data };
}

/** scale_masks(padding=True): the letterbox region by Ultralytics' own rounding, then bilinear to height × width. */
function referenceScaleMasks(plane: Plane, height: number, width: number): Plane {
  const gain = Math.min(plane.height / height, plane.width / width);
  const padW = (plane.width - width * gain) / 2;
  const padH = (plane.height - height * gain) / 2;
  const top = pythonRound(padH - 0.1);
  const left = pythonRound(padW - 0.1);
  const bottom = plane.height - pythonRound(padH + 0.1);
  const right = plane.width - pythonRound(padW + 0.1);
  const region = new Float64Array((bottom - top) * (right - left));
  for (let r = top; r < bottom; r++) {
    for (let c = left; c < right; c++) region[(r - top) * (right - left) + (c - left)] = plane.data[r * plane.width + c];
  }
  return referenceBilinear({ height: bottom - top, width: right - left, data: region }, height, width);
}

/**
 * process_mask(upsample=True) at input size, > 0; undefined when empty there (the predictor drops it); else
 * scale_masks to the image, a pixel set where the value is exactly 1.0 (the validator's uint8 truncation).
 */
function referenceUpsampled(protos: Float32Array, layout: ProtoLayout, request: MaskRequest, inH: number, inW: number, H: number, W: number) {
  const up = referenceBilinear(referenceLogits(protos, layout, request.coefficients), inH, inW);
  const binary = referenceCrop({ ...up, data: up.data.map((v) => (v > 0 ? 1 : 0)) }, request.box);
  if (!binary.data.some((v) => v === 1)) return undefined;
  return Uint8Array.from(referenceScaleMasks(binary, H, W).data, (v) => (v === 1 ? 1 : 0));
}

/** process_mask_native: logits scale_masks'ed to the image, cropped to the image box, > 0; undefined when empty. */
function referenceNative(protos: Float32Array, layout: ProtoLayout, request: MaskRequest, H: number, W: number) {
  const scaled = referenceCrop(referenceScaleMasks(referenceLogits(protos, layout, request.coefficients), H, W), request.imageBox);
  const bits = Uint8Array.from(scaled.data, (v) => (v > 0 ? 1 : 0));
  return bits.some((v) => v === 1) ? bits : undefined;
}

// ---------------------------------------------------------------------------------------------------------------

const tensor = (data: Float32Array, dims: number[]) => ({ data, dims });

/** NCHW protos [c, h, w] → NHWC [h, w, c]. */
function toNhwc(nchw: Float32Array, channels: number, height: number, width: number): Float32Array {
  const out = new Float32Array(nchw.length);
  for (let k = 0; k < channels; k++) for (let i = 0; i < height * width; i++) out[i * channels + k] = nchw[k * height * width + i];
  return out;
}

/** The set pixels of a mask as [x, y], row by row. */
function setPixels(mask: Mask | undefined): Array<[number, number]> {
  if (!mask) return [];
  const bitmap = mask.toBitmap();
  const out: Array<[number, number]> = [];
  for (let i = 0; i < bitmap.length; i++) if (bitmap[i]) out.push([i % mask.imageWidth, Math.floor(i / mask.imageWidth)]);
  return out;
}

const square = (x0: number, x1: number, y0: number, y1: number) => {
  const out: Array<[number, number]> = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) out.push([x, y]);
  return out;
};

describe('segment masks on a hand-computed case', () => {
  // Prototypes 2 × 4 × 4: channel 0 all ones; channel 1 is -1 in columns 0-1 and +1 in columns 2-3. Coefficients
  // [-0.5, 1] → logits -1.5 in columns 0-1, 0.5 in columns 2-3, the same on every row.
  // Model input 16 × 16 (the prototypes at a quarter); image 32 wide, 16 high:
  //   letterboxGeometry(32, 16, 16, 16): scale 0.5, resized 16 × 8, top 4, bottom 4, left 0.
  const protos = Float32Array.from([...Array(16).fill(1), ...Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? -1 : 1))]);
  const layout: ProtoLayout = { output: 1, channels: 2, layout: 'NCHW', height: 4, width: 4 };
  const coefficients = Float32Array.from([-0.5, 1]);
  const geometry = letterboxGeometry(32, 16, 16, 16);
  const box = [4, 5, 13.5, 10] as const;
  const request: MaskRequest = { coefficients, box, imageBox: unletterboxBox(geometry, ...box) };

  it('has the geometry the derivation assumes', () => {
    expect(geometry).toMatchObject({ scale: 0.5, resizedWidth: 16, resizedHeight: 8, top: 4, left: 0 });
    // Box in image pixels: x (4 - 0) / 0.5 = 8, 13.5 / 0.5 = 27; y (5 - 4) / 0.5 = 2, (10 - 4) / 0.5 = 12.
    expect(request.imageBox).toEqual([8, 2, 27, 12]);
  });

  it('upsampled (process_mask, then scale_masks with the 1.0 rule): columns 19-26, rows 3-10', () => {
    // 1. Upsample ×4 along x: source column s = (x + 0.5) / 4 - 0.5. Between columns 1 and 2 the logit is
    //    -1.5 + 2 (s - 1), > 0 for s > 1.75, i.e. x > 8.5: input columns 9-15 are set, on every row.
    // 2. Crop to the box: columns 4 <= c < 13.5 → 4..13, rows 5 <= r < 10 → 5..9. Set: columns 9-13, rows 5-9.
    // 3. scale_masks: region rows 4..11 (the letterbox's 8 rows), all 16 columns, scaled ×2 to 16 × 32.
    //    Image column X reads region columns floor(X/2 - 0.25) and the next (X = 0: column 0 alone); X is set when
    //    every column read with a non-zero weight is set (9..13): X = 2k needs k-1 >= 9, k <= 13 → 20..26 even;
    //    X = 2k+1 needs k >= 9, k+1 <= 13 → 19..25 odd. So columns 19-26.
    //    Rows likewise with region rows 1..5 (input rows 5..9 minus top 4): Y = 2k → k 2..5 → 4..10 even;
    //    Y = 2k+1 → k 1..4 → 3..9 odd. So rows 3-10.
    const expected = square(19, 26, 3, 10);
    const mask = upsampledMask(tensor(protos, [1, 2, 4, 4]), layout, request, geometry);
    expect(setPixels(mask)).toEqual(expected);
    expect(mask?.area).toBe(64);
    // The same prototypes channels-last (TF.js) give the same mask.
    const nhwc = upsampledMask(tensor(toNhwc(protos, 2, 4, 4), [1, 4, 4, 2]), { ...layout, layout: 'NHWC' }, request, geometry);
    expect(setPixels(nhwc)).toEqual(expected);
    // And the reference says the same.
    const reference = referenceUpsampled(protos, layout, request, 16, 16, 16, 32);
    expect(Array.from(mask?.toBitmap() ?? [])).toEqual(Array.from(reference ?? []));
  });

  it('native (process_mask_native, retinaMasks): columns 18-26, rows 2-11', () => {
    // scale_masks at prototype size: gain min(4/16, 4/32) = 1/8; pad_w 0; pad_h (4 - 2) / 2 = 1 → rows 1..2, all
    // 4 columns, scaled to 16 × 32. Along x: s = (X + 0.5) / 8 - 0.5, logit > 0 for s > 1.75, X + 0.5 > 18 → X >= 18
    // (every row reads the same values). Crop to the image box [8, 2, 27, 12]: columns 8..26, rows 2..11.
    const expected = square(18, 26, 2, 11);
    const mask = nativeMask(tensor(protos, [1, 2, 4, 4]), layout, request, geometry);
    expect(setPixels(mask)).toEqual(expected);
    expect(mask?.area).toBe(90);
    const reference = referenceNative(protos, layout, request, 16, 32);
    expect(Array.from(mask?.toBitmap() ?? [])).toEqual(Array.from(reference ?? []));
  });

  it('is undefined when nothing is set inside the box (the detection is dropped)', () => {
    // Columns 0-1 of the input only: every logit there is negative.
    const left: MaskRequest = { coefficients, box: [0, 4, 8, 12], imageBox: unletterboxBox(geometry, 0, 4, 8, 12) };
    expect(upsampledMask(tensor(protos, [1, 2, 4, 4]), layout, left, geometry)).toBeUndefined();
    expect(nativeMask(tensor(protos, [1, 2, 4, 4]), layout, left, geometry)).toBeUndefined();
    // A box of zero width.
    const empty: MaskRequest = { coefficients, box: [12, 4, 12, 12], imageBox: [24, 0, 24, 16] };
    expect(upsampledMask(tensor(protos, [1, 2, 4, 4]), layout, empty, geometry)).toBeUndefined();
    expect(nativeMask(tensor(protos, [1, 2, 4, 4]), layout, empty, geometry)).toBeUndefined();
  });
});

describe('crop-first masks equal the whole-image reference bit for bit', () => {
  let seed = 11;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const integer = (lo: number, hi: number) => Math.floor(between(lo, hi + 1));

  /** A random segmentation case: prototypes at a quarter of the input, an image of another shape, a box. */
  function randomCase() {
    const channels = integer(1, 6);
    const height = integer(2, 10);
    const width = integer(2, 10);
    const inH = height * 4;
    const inW = width * 4;
    // Images whose letterboxed content is at least 2 prototype pixels across: narrower content leaves
    // scale_masks an empty region at prototype size, on which Ultralytics' F.interpolate raises.
    let W = 0;
    let H = 0;
    do {
      W = integer(5, 70);
      H = integer(5, 70);
    } while (Math.min(width / W, height / H) * Math.min(W, H) < 2);
    const nchw = Float32Array.from({ length: channels * height * width }, () => between(-1, 1));
    // A positive bias in channel 0 on some cases, so that masks are neither always empty nor always full.
    const coefficients = Float32Array.from({ length: channels }, () => between(-1.5, 1.5));
    const geometry = letterboxGeometry(W, H, inW, inH);
    const x1 = between(-4, inW - 2);
    const y1 = between(-4, inH - 2);
    // Mostly fractional edges, some whole ones (an edge exactly on a pixel index is kept on the left, not the right).
    const snap = (v: number) => (random() < 0.2 ? Math.round(v) : v);
    const box = [snap(x1), snap(y1), snap(between(x1, inW + 4)), snap(between(y1, inH + 4))] as const;
    const request: MaskRequest = { coefficients, box, imageBox: unletterboxBox(geometry, ...box) };
    return { channels, height, width, inH, inW, W, H, nchw, geometry, request };
  }

  for (const layoutName of ['NCHW', 'NHWC'] as TensorLayout[]) {
    it(`upsampledMask, ${layoutName} prototypes, 400 random cases`, () => {
      let nonEmpty = 0;
      for (let trial = 0; trial < 400; trial++) {
        const c = randomCase();
        const layout: ProtoLayout = { output: 1, channels: c.channels, layout: layoutName, height: c.height, width: c.width };
        const data = layoutName === 'NCHW' ? c.nchw : toNhwc(c.nchw, c.channels, c.height, c.width);
        const dims = layoutName === 'NCHW' ? [1, c.channels, c.height, c.width] : [1, c.height, c.width, c.channels];
        const expected = referenceUpsampled(c.nchw, { ...layout, layout: 'NCHW' }, c.request, c.inH, c.inW, c.H, c.W);
        const mask = upsampledMask(tensor(data, dims), layout, c.request, c.geometry);
        const context = JSON.stringify({ trial, W: c.W, H: c.H, inW: c.inW, inH: c.inH, box: c.request.box });
        expect(mask === undefined, context).toBe(expected === undefined);
        if (mask && expected) {
          expect([mask.imageWidth, mask.imageHeight], context).toEqual([c.W, c.H]);
          expect(Array.from(mask.toBitmap()), context).toEqual(Array.from(expected));
          if (mask.area > 0) nonEmpty++;
        }
      }
      // The comparison covered real masks, not only empty ones.
      expect(nonEmpty).toBeGreaterThan(100);
    });

    it(`nativeMask, ${layoutName} prototypes, 400 random cases`, () => {
      let nonEmpty = 0;
      for (let trial = 0; trial < 400; trial++) {
        const c = randomCase();
        const layout: ProtoLayout = { output: 1, channels: c.channels, layout: layoutName, height: c.height, width: c.width };
        const data = layoutName === 'NCHW' ? c.nchw : toNhwc(c.nchw, c.channels, c.height, c.width);
        const dims = layoutName === 'NCHW' ? [1, c.channels, c.height, c.width] : [1, c.height, c.width, c.channels];
        const expected = referenceNative(c.nchw, { ...layout, layout: 'NCHW' }, c.request, c.H, c.W);
        const mask = nativeMask(tensor(data, dims), layout, c.request, c.geometry);
        const context = JSON.stringify({ trial, W: c.W, H: c.H, inW: c.inW, inH: c.inH, box: c.request.imageBox });
        expect(mask === undefined, context).toBe(expected === undefined);
        if (mask && expected) {
          expect(Array.from(mask.toBitmap()), context).toEqual(Array.from(expected));
          nonEmpty++;
        }
      }
      expect(nonEmpty).toBeGreaterThan(100);
    });
  }
});
