import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CanvasImageDecoder } from './canvas-image-decoder.js';
import { classifyGeometry, classifyPixels } from './classify-transform.js';
import { SharpImageDecoder } from './sharp-image-decoder.js';

// A 6×4 RGB image: R = 10x + 40y, G = 200 − 30y, B = 77.
const W = 6;
const H = 4;
const SMALL = {
  data: Uint8Array.from({ length: W * H * 3 }, (_, i) => {
    const p = Math.floor(i / 3);
    const [x, y] = [p % W, Math.floor(p / W)];
    return [10 * x + 40 * y, 200 - 30 * y, 77][i % 3];
  }),
  width: W,
  height: H,
  channels: 3 as const,
};

// classify_transforms(2) worked out by hand, as torchvision and Pillow compute it:
// Resize(2): short side 4 → 2, long side int(2·6/4) = 3. CenterCrop(2): left int(round((3 − 2)/2)) = round(0.5) = 0
// (Python rounds half to even; half up would give 1), top 0. So the output is columns 0–1 of the 3×2 resize.
// PIL bilinear, horizontal pass first (6 → 3, scale 2, support 2, taps at (x + 0.5 − centre)/2, tent 1 − |t|):
//   column 0, centre 1: sources 0, 1, 2 with 0.75, 0.75, 0.25 → 3/7, 3/7, 1/7 → fixed point (2²²) 1797559, 1797559, 599186
//   column 1, centre 3: sources 1–4 with 0.25, 0.75, 0.75, 0.25 → 1/8, 3/8, 3/8, 1/8 (exact in fixed point)
//   each sum + 2²¹, shifted right 22 (rounded to a byte): R row y (40y, 40y+10, 40y+20, ...):
//   column 0 = (3/7)(80y + 10) + (1/7)(40y + 20) = 40y + 7.14 → 7, 47, 87, 127; column 1 = 40y + 25 → 25, 65, 105, 145.
//   G is constant along rows, and the fixed-point weights of each column sum to exactly 2²², so G stays 200 − 30y.
// Vertical pass (4 → 2, the same taps): row 0 from rows 0, 1, 2 (3/7, 3/7, 1/7); row 1 from rows 1, 2, 3 (1/7, 3/7, 3/7):
//   R: (3·54 + 87)/7 = 35.57 → 36, (3·90 + 105)/7 = 53.57 → 54; (47 + 3·214)/7 = 98.43 → 98, (65 + 3·250)/7 = 116.43 → 116
//   G: (3·370 + 140)/7 = 178.57 → 179; (170 + 3·250)/7 = 131.43 → 131.  B: 77.
const EXPECTED = [
  [36, 179, 77],
  [54, 179, 77],
  [98, 131, 77],
  [116, 131, 77],
].flat();

describe('classifyGeometry (torchvision Resize(size) + CenterCrop(size))', () => {
  it('resizes the short side to size, truncates the long side, crops the centre with half-to-even offsets', () => {
    expect(classifyGeometry(6, 4, 2)).toMatchObject({ resizedWidth: 3, resizedHeight: 2, left: -0, top: -0, right: -1, bottom: -0, scale: 0.5 });
    // int(2·7/4) = int(3.5) = 3, not 4.
    expect(classifyGeometry(7, 4, 2)).toMatchObject({ resizedWidth: 3, resizedHeight: 2 });
    // bus.jpg at 224: 224 × int(224·1080/810) = 224 × 298; top round(74/2) = 37.
    expect(classifyGeometry(810, 1080, 224)).toMatchObject({ resizedWidth: 224, resizedHeight: 298, left: -0, top: -37, bottom: -37 });
    // (227 − 224)/2 = 1.5 → 2; (229 − 224)/2 = 2.5 → 2 (half to even).
    expect(classifyGeometry(227, 224, 224).left).toBe(-2);
    expect(classifyGeometry(229, 224, 224).left).toBe(-2);
    expect(classifyGeometry(229, 224, 224).right).toBe(-3);
  });
});

describe('classifyPixels (PIL bilinear, then the centre crop)', () => {
  it('gives the hand-computed bytes of a 6×4 image at size 2', () => {
    const { pixels, geometry } = classifyPixels(SMALL, 2);
    expect(Array.from(pixels)).toEqual(EXPECTED);
    expect([geometry.sourceWidth, geometry.sourceHeight, geometry.targetWidth]).toEqual([6, 4, 2]);
  });

  it('ignores alpha, and leaves an image already at size untouched', () => {
    const rgba = { data: new Uint8Array(W * H * 4), width: W, height: H, channels: 4 as const };
    for (let p = 0; p < W * H; p++) {
      rgba.data.set(SMALL.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba.data[p * 4 + 3] = p * 7;
    }
    expect(Array.from(classifyPixels(rgba, 2).pixels)).toEqual(EXPECTED);
    const square = { data: Uint8Array.from({ length: 5 * 5 * 3 }, (_, i) => (i * 37) % 256), width: 5, height: 5, channels: 3 as const };
    expect(Array.from(classifyPixels(square, 5).pixels)).toEqual(Array.from(square.data));
  });

  it('crops the centre of a tall image: rows from the middle', () => {
    // 2×6, size 2: no resize (short side already 2, long int(2·6/2) = 6); top round((6 − 2)/2) = 2: rows 2 and 3.
    const tall = { data: Uint8Array.from({ length: 2 * 6 * 3 }, (_, i) => Math.floor(i / 6) * 10), width: 2, height: 6, channels: 3 as const };
    expect(Array.from(classifyPixels(tall, 2).pixels)).toEqual([20, 20, 20, 20, 20, 20, 30, 30, 30, 30, 30, 30]);
  });
});

describe('the decoders’ classifyCrop', () => {
  it('sharp (PNG bytes and raw pixels) and canvas (raw pixels) give the hand-computed bytes', async () => {
    const png = await sharp(Buffer.from(SMALL.data), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
    const node = new SharpImageDecoder();
    for (const input of [new Uint8Array(png), SMALL]) {
      const { pixels, geometry } = await node.classifyCrop(input, 2);
      expect(Array.from(pixels)).toEqual(EXPECTED);
      expect([geometry.sourceWidth, geometry.sourceHeight]).toEqual([6, 4]);
    }
    expect(Array.from((await new CanvasImageDecoder().classifyCrop(SMALL, 2)).pixels)).toEqual(EXPECTED);
  });

  it('sharp applies the EXIF orientation first (as cv2.imread does)', async () => {
    // The 6×4 image stored rotated a quarter turn (4×6) with orientation 6 (rotate 90° clockwise to display).
    const stored = await sharp(Buffer.from(SMALL.data), { raw: { width: W, height: H, channels: 3 } }).rotate(-90).png().toBuffer();
    const tagged = await sharp(stored).withMetadata({ orientation: 6 }).png().toBuffer();
    expect((await sharp(tagged).metadata()).width).toBe(4);
    expect(Array.from((await new SharpImageDecoder().classifyCrop(new Uint8Array(tagged), 2)).pixels)).toEqual(EXPECTED);
  });
});
