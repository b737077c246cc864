import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from './letterbox.js';
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
