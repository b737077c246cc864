import { describe, expect, it } from 'vitest';
import type { RawImage } from './image-input.js';
import { type LetterboxGeometry, letterboxGeometry, roundHalfEven } from './letterbox.js';
import { letterboxPixels, placeInLetterbox } from './letterbox-pixels.js';

describe('letterboxPixels', () => {
  it('pads with 114 around the resized image', () => {
    const image = { data: new Uint8Array(4 * 2 * 3).fill(10), width: 4, height: 2, channels: 3 as const };
    const { pixels, geometry } = letterboxPixels(image, 8, 8);
    // r = 2: 8x4 image, top 2, bottom 2
    expect([geometry.resizedWidth, geometry.resizedHeight, geometry.top, geometry.bottom]).toEqual([8, 4, 2, 2]);
    const row = (y: number) => Array.from(pixels.subarray(y * 24, y * 24 + 24));
    expect(row(0)).toEqual(new Array(24).fill(114));
    expect(row(1)).toEqual(new Array(24).fill(114));
    expect(row(2)).toEqual(new Array(24).fill(10));
    expect(row(5)).toEqual(new Array(24).fill(10));
    expect(row(6)).toEqual(new Array(24).fill(114));
  });

  it("interpolates like OpenCV's INTER_LINEAR (half-pixel centres, clamped edges)", () => {
    // One row [0, 100] upscaled to 4 wide: src x = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
    // → clamp 0, 25, 75, clamp 100 (cv2.resize gives [0, 25, 75, 100]).
    const image = { data: Uint8Array.from([0, 0, 0, 100, 100, 100]), width: 2, height: 1, channels: 3 as const };
    const { pixels } = letterboxPixels(image, 4, 2);
    expect(Array.from(pixels.subarray(0, 12)).filter((_, i) => i % 3 === 0)).toEqual([0, 25, 75, 100]);
  });

  it('ignores alpha in RGBA input', () => {
    const image = { data: Uint8Array.from([1, 2, 3, 255, 1, 2, 3, 0]), width: 2, height: 1, channels: 4 as const };
    const { pixels } = letterboxPixels(image, 2, 2);
    // 2x1 into 2x2: r = 1, top round(0.5 - 0.1) = 0, the image is row 0
    expect(Array.from(pixels.subarray(0, 6))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(Array.from(pixels.subarray(6, 12))).toEqual([114, 114, 114, 114, 114, 114]);
  });
  // Expected bytes below are cv2.resize(..., interpolation=cv2.INTER_LINEAR) of opencv-python 4.14 and 5.0.
  it("rounds as OpenCV's fixed-point resize does, not as exact arithmetic would", () => {
    // Gray 2x2 [[231, 118], [117, 161]] into 3x3 (r = 1.5, no padding). Top row, middle pixel: x weights 1024/1024
    // (source x 0.5), so the horizontal pass gives (231 + 118) × 1024 >> 4 = 22336; output row 0 maps to source
    // y -1/6, OpenCV keeps the weights 1/6 and 5/6 on the clamped row 0: round(2048/6) = 341, round(2048 × 5/6)
    // = 1707; (22336 × 341 >> 16) + (22336 × 1707 >> 16) = 116 + 581, (697 + 2) >> 2 = 174. The exact mean 174.5
    // rounds to 175 (what this function gave before issue 13).
    const gray = [231, 118, 117, 161];
    const image = { data: Uint8Array.from(gray.flatMap((v) => [v, v, v])), width: 2, height: 2, channels: 3 as const };
    const { pixels } = letterboxPixels(image, 3, 3);
    expect(Array.from(pixels).filter((_, i) => i % 3 === 0)).toEqual([231, 174, 118, 174, 157, 140, 117, 139, 161]);
  });

  it('halves an image exactly 2x larger by rounded 2x2 means (OpenCV switches to INTER_AREA there)', () => {
    // [[0, 1, 2, 3], [3, 3, 3, 3]] into 2x1: (0 + 1 + 3 + 3 + 2) >> 2 = 2, (2 + 3 + 3 + 3 + 2) >> 2 = 3; RGBA in.
    const gray = [0, 1, 2, 3, 3, 3, 3, 3];
    const image = { data: Uint8Array.from(gray.flatMap((v) => [v, 255 - v, v, 7])), width: 4, height: 2, channels: 4 as const };
    const { pixels, geometry } = letterboxPixels(image, 2, 1);
    expect([geometry.resizedWidth, geometry.resizedHeight]).toEqual([2, 1]);
    expect(Array.from(pixels)).toEqual([2, 253, 2, 3, 252, 3]);
  });

  it('equals a direct per-pixel evaluation of the same fixed-point formulas at every size (the separable passes and their row cache)', () => {
    // A pseudo-random image per case; sizes cover upscaling, downscaling, exactly 2x and 1x, 1-pixel sides and
    // both paddings.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (const [sw, sh, tw, th, channels] of [
      [7, 5, 16, 16, 3],
      [30, 11, 17, 9, 4],
      [1, 9, 5, 13, 3],
      [13, 1, 8, 8, 3],
      [37, 29, 20, 20, 4],
      [9, 23, 31, 12, 3],
      [64, 48, 32, 32, 3],
      [5, 5, 64, 64, 4],
      [12, 6, 12, 12, 4],
    ] as const) {
      const image = { data: Uint8Array.from({ length: sw * sh * channels }, next), width: sw, height: sh, channels };
      const { pixels, geometry } = letterboxPixels(image, tw, th);
      expect(Array.from(pixels), `${sw}x${sh} into ${tw}x${th}`).toEqual(Array.from(directOpenCvLetterbox(image, geometry)));
    }
  });
});

describe('placeInLetterbox', () => {
  it('puts the resized pixels at left/top in gray 114, the odd padding pixel bottom/right', () => {
    // 5x2 into 5x5: r = 1, 3 rows of padding split 1 top, 2 bottom.
    const geometry = letterboxGeometry(5, 2, 5, 5);
    expect([geometry.top, geometry.bottom, geometry.left, geometry.right]).toEqual([1, 2, 0, 0]);
    const resized = Uint8Array.from({ length: 5 * 2 * 3 }, (_, i) => i);
    const out = placeInLetterbox(resized, geometry);
    expect(out.length).toBe(5 * 5 * 3);
    const row = (y: number) => Array.from(out.subarray(y * 15, y * 15 + 15));
    expect(row(0)).toEqual(new Array(15).fill(114));
    expect(row(1)).toEqual(Array.from(resized.subarray(0, 15)));
    expect(row(2)).toEqual(Array.from(resized.subarray(15, 30)));
    expect(row(3)).toEqual(new Array(15).fill(114));
    expect(row(4)).toEqual(new Array(15).fill(114));

    // 1x3 into 4x3: columns 1 left, 2 right.
    const tall = letterboxGeometry(1, 3, 4, 3);
    expect([tall.left, tall.right]).toEqual([1, 2]);
    const column = placeInLetterbox(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), tall);
    expect(Array.from(column.subarray(0, 12))).toEqual([114, 114, 114, 1, 2, 3, 114, 114, 114, 114, 114, 114]);
    expect(Array.from(column.subarray(24, 36))).toEqual([114, 114, 114, 7, 8, 9, 114, 114, 114, 114, 114, 114]);
  });

  it('refuses pixels of another size than the geometry says', () => {
    expect(() => placeInLetterbox(new Uint8Array(10), letterboxGeometry(5, 2, 5, 5))).toThrow(RangeError);
  });
});

/**
 * OpenCV's INTER_LINEAR on uint8 evaluated pixel by pixel, straight from resize.cpp's formulas: coordinates in
 * float32, weights `cvRound(w × 2048)`, x weights clamped at the edges, y weights kept with the row indices
 * clamped, the horizontal sum shifted by 4, the vertical blend as `VResizeLinearVec_32s8u`.
 */
function directOpenCvLetterbox(image: RawImage, geometry: LetterboxGeometry): Uint8Array {
  const { resizedWidth: rw, resizedHeight: rh, targetWidth, targetHeight, left, top } = geometry;
  const { data, width: sw, height: sh, channels } = image;
  const out = new Uint8Array(targetWidth * targetHeight * 3).fill(114);
  const axis = (source: number, target: number, i: number, clampWeights: boolean) => {
    const f = Math.fround((i + 0.5) * (1 / (target / source)) - 0.5);
    let s = Math.floor(f);
    let w = Math.fround(f - s);
    if (clampWeights && s < 0) [s, w] = [0, 0];
    if (clampWeights && s >= source - 1) [s, w] = [source - 1, 0];
    const clamp = (v: number) => Math.min(Math.max(v, 0), source - 1);
    return { a: clamp(s), b: clamp(s + 1), wa: roundHalfEven(Math.fround(1 - w) * 2048), wb: roundHalfEven(w * 2048) };
  };
  for (let y = 0; y < rh; y++) {
    const v = axis(sh, rh, y, false);
    for (let x = 0; x < rw; x++) {
      const h = axis(sw, rw, x, true);
      for (let k = 0; k < 3; k++) {
        const at = (row: number, column: number) => data[(row * sw + column) * channels + k];
        const upper = (at(v.a, h.a) * h.wa + at(v.a, h.b) * h.wb) >> 4;
        const lower = (at(v.b, h.a) * h.wa + at(v.b, h.b) * h.wb) >> 4;
        out[((y + top) * targetWidth + x + left) * 3 + k] = (((upper * v.wa) >> 16) + ((lower * v.wb) >> 16) + 2) >> 2;
      }
    }
  }
  return out;
}
