import { describe, expect, it } from 'vitest';
import { letterboxGeometry, roundHalfEven, unletterboxBox } from './letterbox.js';

// Expected values computed by hand with Ultralytics' LetterBox formulas (see letterbox.ts).
describe('letterboxGeometry', () => {
  it('portrait: bus.jpg 810x1080 into 640', () => {
    // r = min(640/1080, 640/810) = 0.5926; 810*r = 480, 1080*r = 640; dw = 160/2 = 80
    const g = letterboxGeometry(810, 1080, 640, 640);
    expect(g.scale).toBeCloseTo(640 / 1080, 12);
    expect([g.resizedWidth, g.resizedHeight]).toEqual([480, 640]);
    expect([g.top, g.bottom, g.left, g.right]).toEqual([0, 0, 80, 80]);
  });

  it('landscape: zidane.jpg 1280x720 into 640', () => {
    const g = letterboxGeometry(1280, 720, 640, 640);
    expect(g.scale).toBe(0.5);
    expect([g.resizedWidth, g.resizedHeight]).toEqual([640, 360]);
    expect([g.top, g.bottom, g.left, g.right]).toEqual([140, 140, 0, 0]);
  });

  it('square image fills the input', () => {
    const g = letterboxGeometry(500, 500, 640, 640);
    expect(g.scale).toBe(1.28);
    expect([g.resizedWidth, g.resizedHeight, g.top, g.bottom, g.left, g.right]).toEqual([640, 640, 0, 0, 0, 0]);
  });

  it('odd padding puts the extra pixel at the bottom', () => {
    // 1000x501: r = 0.64, h = round(320.64) = 321, dh = 319/2 = 159.5 → top round(159.4) = 159, bottom 160
    const g = letterboxGeometry(1000, 501, 640, 640);
    expect([g.resizedWidth, g.resizedHeight]).toEqual([640, 321]);
    expect([g.top, g.bottom]).toEqual([159, 160]);
  });

  it('odd padding on the width puts the extra pixel on the right', () => {
    // 501x1000: r = 0.64, w = 321, dw = 159.5 → left 159, right 160
    const g = letterboxGeometry(501, 1000, 640, 640);
    expect([g.left, g.right]).toEqual([159, 160]);
  });

  it('upscales small images by default', () => {
    const g = letterboxGeometry(100, 50, 640, 640);
    expect(g.scale).toBe(6.4);
    expect([g.resizedWidth, g.resizedHeight, g.top, g.bottom]).toEqual([640, 320, 160, 160]);
  });

  it('scaleUp: false keeps small images at their size, centred', () => {
    // dw = 540/2 = 270, dh = 590/2 = 295 → top round(294.9) = 295, bottom 295
    const g = letterboxGeometry(100, 50, 640, 640, { scaleUp: false });
    expect(g.scale).toBe(1);
    expect([g.resizedWidth, g.resizedHeight, g.top, g.bottom, g.left, g.right]).toEqual([100, 50, 295, 295, 270, 270]);
  });

  it('center: false pads only bottom and right', () => {
    const g = letterboxGeometry(1280, 720, 640, 640, { center: false });
    expect([g.top, g.bottom, g.left, g.right]).toEqual([0, 280, 0, 0]);
  });

  it('rounds the resized size half to even, like Python', () => {
    // 8x5 into 4: r = 0.5, h = round(2.5) = 2 in Python (Math.round would give 3)
    const g = letterboxGeometry(8, 5, 4, 4);
    expect([g.resizedWidth, g.resizedHeight]).toEqual([4, 2]);
    expect([g.top, g.bottom]).toEqual([1, 1]);
  });

  it('non-square targets', () => {
    // 1280x720 into 320x640 (w x h): r = min(640/720, 320/1280) = 0.25 → 320x180, dh = 460/2 = 230
    const g = letterboxGeometry(1280, 720, 320, 640);
    expect([g.resizedWidth, g.resizedHeight, g.top, g.bottom, g.left, g.right]).toEqual([320, 180, 230, 230, 0, 0]);
  });
});

describe('roundHalfEven', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4999, 2],
    [2.5001, 3],
    [-0.5, 0],
  ])('round(%d) = %d', (value, expected) => {
    expect(roundHalfEven(value)).toBe(expected);
  });
});

describe('unletterboxBox', () => {
  it('removes the padding, divides by the scale and clips to the image', () => {
    const g = letterboxGeometry(810, 1080, 640, 640);
    const [x1, y1, x2, y2] = unletterboxBox(g, 80, 0, 560, 640);
    expect(x1).toBeCloseTo(0, 9);
    expect(y1).toBeCloseTo(0, 9);
    expect(x2).toBeCloseTo(810, 9);
    expect(y2).toBeCloseTo(1080, 9);
    expect(unletterboxBox(g, 0, -10, 700, 700)).toEqual([0, 0, 810, 1080]);
    const inside = unletterboxBox(g, 140, 100, 200, 160);
    expect(inside[0]).toBeCloseTo(60 / (640 / 1080), 9);
    expect(inside[3]).toBeCloseTo(160 * 1.6875, 9);
  });
});
