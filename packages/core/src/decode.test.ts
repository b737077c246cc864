import { describe, expect, it } from 'vitest';
import { decodeOutput, type DecodeOptions } from './decode.js';

const base: DecodeOptions = { conf: 0.25, inputWidth: 640, inputHeight: 640, normalizedBoxes: 'auto' };

function rows(c: ReturnType<typeof decodeOutput>) {
  return Array.from({ length: c.count }, (_, i) => ({
    box: Array.from(c.boxes.slice(i * 4, i * 4 + 4)),
    score: c.scores[i],
    classId: c.classIds[i],
  }));
}

describe('decodeOutput yolov8 [1, 4+nc, N]', () => {
  // 2 classes, 3 anchors, channel-major: row r holds value r of every anchor.
  const data = Float32Array.from([
    /* cx */ 100, 200, 300,
    /* cy */ 100, 200, 300,
    /* w  */ 20, 40, 60,
    /* h  */ 10, 20, 30,
    /* c0 */ 0.9, 0.1, 0.2,
    /* c1 */ 0.3, 0.6, 0.1,
  ]);
  const output = { data, dims: [1, 6, 3] };

  it('takes the best class per anchor and converts cxcywh to xyxy', () => {
    expect(rows(decodeOutput(output, 'yolov8', base))).toEqual([
      { box: [90, 95, 110, 105], score: expect.closeTo(0.9, 6), classId: 0 },
      { box: [180, 190, 220, 210], score: expect.closeTo(0.6, 6), classId: 1 },
    ]);
  });

  it('filters by class before choosing the best score', () => {
    const out = rows(decodeOutput(output, 'yolov8', { ...base, classes: new Set([1]) }));
    expect(out.map((r) => [r.classId, Number(r.score.toFixed(2))])).toEqual([
      [1, 0.3],
      [1, 0.6],
    ]);
  });

  it('keeps scores strictly above conf', () => {
    // The 0.6 score is stored as float32; a conf equal to it must exclude it.
    expect(decodeOutput(output, 'yolov8', { ...base, conf: Math.fround(0.6) }).count).toBe(1);
    expect(decodeOutput(output, 'yolov8', { ...base, conf: 0.59 }).count).toBe(2);
  });
});

describe('decodeOutput yolov5 [1, N, 5+nc]', () => {
  const data = Float32Array.from([
    /* anchor 0 */ 100, 100, 20, 10, 0.8, 0.5, 0.9,
    /* anchor 1 */ 300, 300, 60, 30, 0.2, 0.9, 0.9,
    /* anchor 2 */ 200, 200, 40, 20, 0.9, 0.25, 0.2,
  ]);
  it('multiplies objectness by the best class score', () => {
    // anchor 0: 0.8 * 0.9 = 0.72 class 1; anchor 1: objectness 0.2 below conf; anchor 2: 0.9 * 0.25 = 0.225 below conf
    expect(rows(decodeOutput({ data, dims: [1, 3, 7] }, 'yolov5', base))).toEqual([
      { box: [90, 95, 110, 105], score: expect.closeTo(0.72, 6), classId: 1 },
    ]);
  });
});

describe('decodeOutput end2end [1, N, 6]', () => {
  const data = Float32Array.from([10, 20, 30, 40, 0.95, 5, 50, 60, 70, 80, 0.3, 0, 1, 2, 3, 4, 0.1, 2]);
  it('reads x1,y1,x2,y2,score,class', () => {
    expect(rows(decodeOutput({ data, dims: [1, 3, 6] }, 'end2end', base))).toEqual([
      { box: [10, 20, 30, 40], score: expect.closeTo(0.95, 6), classId: 5 },
      { box: [50, 60, 70, 80], score: expect.closeTo(0.3, 6), classId: 0 },
    ]);
  });
  it('applies the class filter', () => {
    expect(decodeOutput({ data, dims: [1, 3, 6] }, 'end2end', { ...base, classes: new Set([0]) }).count).toBe(1);
  });
});

describe('normalised boxes', () => {
  const data = Float32Array.from([0.5, 0.5, 0.25, 0.125, 0.9]);
  const output = { data, dims: [1, 5, 1] };
  it("'auto' scales boxes that are all within 0..1.5 by the input size", () => {
    expect(rows(decodeOutput(output, 'yolov8', base))[0].box).toEqual([240, 280, 400, 360]);
  });
  it('false leaves them alone', () => {
    expect(rows(decodeOutput(output, 'yolov8', { ...base, normalizedBoxes: false }))[0].box).toEqual([0.375, 0.4375, 0.625, 0.5625]);
  });
  it("'auto' leaves pixel boxes alone", () => {
    const pixels = { data: Float32Array.from([320, 320, 100, 50, 0.9]), dims: [1, 5, 1] };
    expect(rows(decodeOutput(pixels, 'yolov8', base))[0].box).toEqual([270, 295, 370, 345]);
  });
});
