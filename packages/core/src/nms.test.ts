import { describe, expect, it } from 'vitest';
import type { Candidates } from './decode.js';
import { nonMaxSuppression, topK } from './nms.js';

function candidates(rows: Array<[number, number, number, number, number, number]>): Candidates {
  return {
    count: rows.length,
    boxes: Float32Array.from(rows.flatMap((r) => r.slice(0, 4))),
    scores: Float32Array.from(rows.map((r) => r[4])),
    classIds: Int32Array.from(rows.map((r) => r[5])),
    anchors: Int32Array.from(rows.map((_, i) => i)),
  };
}

describe('nonMaxSuppression', () => {
  // A: [0,0,10,10]; B overlaps A with IoU 81/119 = 0.68; C contains A, IoU 100/110 = 0.909 (and 90/120 = 0.75 with B); D is far away.
  const rows: Array<[number, number, number, number, number, number]> = [
    [0, 0, 10, 10, 0.9, 0],
    [1, 1, 11, 11, 0.8, 0],
    [0, 0, 10, 11, 0.7, 0],
    [50, 50, 60, 60, 0.6, 0],
  ];

  it('suppresses boxes whose IoU with a kept box exceeds the threshold', () => {
    expect(nonMaxSuppression(candidates(rows), { iou: 0.7, maxDet: 300, agnostic: false })).toEqual([0, 1, 3]);
    expect(nonMaxSuppression(candidates(rows), { iou: 0.5, maxDet: 300, agnostic: false })).toEqual([0, 3]);
    expect(nonMaxSuppression(candidates(rows), { iou: 0.9, maxDet: 300, agnostic: false })).toEqual([0, 1, 3]);
    expect(nonMaxSuppression(candidates(rows), { iou: 0.95, maxDet: 300, agnostic: false })).toEqual([0, 1, 2, 3]);
  });

  it('keeps an IoU exactly at the threshold (strictly greater suppresses)', () => {
    // [0,0,10,10] and [0,0,10,20]: IoU = 100/200 = 0.5
    const c = candidates([
      [0, 0, 10, 10, 0.9, 0],
      [0, 0, 10, 20, 0.8, 0],
    ]);
    expect(nonMaxSuppression(c, { iou: 0.5, maxDet: 10, agnostic: false })).toEqual([0, 1]);
    expect(nonMaxSuppression(c, { iou: 0.49, maxDet: 10, agnostic: false })).toEqual([0]);
  });

  it('is class-aware by default and agnostic on request', () => {
    const c = candidates([
      [0, 0, 10, 10, 0.9, 0],
      [0, 0, 10, 10, 0.8, 1],
    ]);
    expect(nonMaxSuppression(c, { iou: 0.7, maxDet: 10, agnostic: false })).toEqual([0, 1]);
    expect(nonMaxSuppression(c, { iou: 0.7, maxDet: 10, agnostic: true })).toEqual([0]);
  });

  it('orders by score and stops at maxDet', () => {
    const c = candidates([
      [0, 0, 1, 1, 0.1, 0],
      [10, 10, 11, 11, 0.5, 0],
      [20, 20, 21, 21, 0.3, 0],
    ]);
    expect(nonMaxSuppression(c, { iou: 0.7, maxDet: 2, agnostic: false })).toEqual([1, 2]);
  });

  it('breaks score ties by index, deterministically', () => {
    const c = candidates([
      [0, 0, 1, 1, 0.5, 0],
      [10, 10, 11, 11, 0.5, 0],
    ]);
    expect(nonMaxSuppression(c, { iou: 0.7, maxDet: 10, agnostic: false })).toEqual([0, 1]);
  });

  it('handles no candidates', () => {
    expect(nonMaxSuppression(candidates([]), { iou: 0.7, maxDet: 10, agnostic: false })).toEqual([]);
  });
});

describe('topK', () => {
  it('sorts by score and cuts', () => {
    const c = candidates([
      [0, 0, 1, 1, 0.2, 0],
      [0, 0, 1, 1, 0.9, 1],
      [0, 0, 1, 1, 0.5, 2],
    ]);
    expect(topK(c, 2)).toEqual([1, 2]);
  });
});
