import { describe, expect, it } from 'vitest';
import { meanAveragePrecision } from './mean-average-precision.js';
import { rotatedBoxIou } from './rotated-iou.js';

const truth = (classId: number, box: [number, number, number, number]) => ({ classId, box });
const detection = (classId: number, box: [number, number, number, number], confidence: number) => ({ classId, box, confidence });

describe('meanAveragePrecision', () => {
  it('is 1 for perfect detections and 0 for none', () => {
    const truths = [truth(0, [0, 0, 10, 10]), truth(1, [20, 20, 40, 40])];
    const perfect = meanAveragePrecision([{ truths, detections: truths.map((t) => ({ ...t, confidence: 0.9 })) }]);
    expect(perfect.map50).toBe(1);
    expect(perfect.map50to95).toBe(1);
    expect(perfect.precision).toBe(1);
    expect(perfect.recall).toBe(1);
    const none = meanAveragePrecision([{ truths, detections: [] }]);
    expect(none.map50).toBe(0);
    expect(none.recall).toBe(0);
  });

  it('ranks by confidence across images: a confident false positive halves AP', () => {
    const result = meanAveragePrecision([
      { truths: [truth(0, [0, 0, 10, 10])], detections: [detection(0, [50, 50, 60, 60], 0.9), detection(0, [0, 0, 10, 10], 0.8)] },
    ]);
    expect(result.map50).toBeCloseTo(0.5, 12);
    // The same false positive ranked below the true one costs nothing.
    const below = meanAveragePrecision([
      { truths: [truth(0, [0, 0, 10, 10])], detections: [detection(0, [50, 50, 60, 60], 0.1), detection(0, [0, 0, 10, 10], 0.8)] },
    ]);
    expect(below.map50).toBe(1);
  });

  it('counts a box as found only at the IoU thresholds it reaches (0.62 passes 0.50, 0.55 and 0.60)', () => {
    // [0,0,10,10] against [0,0,10,6.2]: IoU 0.62.
    const result = meanAveragePrecision([{ truths: [truth(0, [0, 0, 10, 10])], detections: [detection(0, [0, 0, 10, 6.2], 0.9)] }]);
    expect(result.map50).toBe(1);
    expect(result.map50to95).toBeCloseTo(0.3, 12);
  });

  it('needs the class to match, and matches each truth once', () => {
    const wrongClass = meanAveragePrecision([{ truths: [truth(0, [0, 0, 10, 10])], detections: [detection(1, [0, 0, 10, 10], 0.9)] }]);
    expect(wrongClass.map50).toBe(0);
    expect(wrongClass.perClass.map((c) => c.classId)).toEqual([0]);
    const duplicate = meanAveragePrecision([
      { truths: [truth(0, [0, 0, 10, 10])], detections: [detection(0, [0, 0, 10, 10], 0.9), detection(0, [0, 0, 10, 9.9], 0.8)] },
    ]);
    expect(duplicate.map50).toBe(1);
    expect(duplicate.precision).toBe(0.5);
  });

  it('averages over classes with ground truth only', () => {
    const result = meanAveragePrecision([
      { truths: [truth(0, [0, 0, 10, 10]), truth(2, [20, 20, 30, 30])], detections: [detection(0, [0, 0, 10, 10], 0.9), detection(3, [50, 50, 60, 60], 0.9)] },
    ]);
    expect(result.perClass.map((c) => [c.classId, c.ap50])).toEqual([
      [0, 1],
      [2, 0],
    ]);
    expect(result.map50).toBe(0.5);
    expect(result.truths).toBe(2);
    expect(result.detections).toBe(2);
  });

  it('matches with the overlap it is given: oriented boxes by rotated IoU', () => {
    // A 40×10 box and the same turned a quarter: as [cx, cy, w, h, angle] the default overlap (read as x1 y1 x2 y2)
    // would be meaningless; rotated IoU says 100 / 700, no match, and the right angle matches.
    const truthBox = [50, 50, 40, 10, 0.4];
    const turned = { truths: [{ classId: 0, box: truthBox }], detections: [{ classId: 0, box: [50, 50, 40, 10, 0.4 + Math.PI / 2], confidence: 0.9 }] };
    const right = { truths: [{ classId: 0, box: truthBox }], detections: [{ classId: 0, box: [50, 50, 10, 40, 0.4 + Math.PI / 2], confidence: 0.9 }] };
    expect(rotatedBoxIou(turned.detections[0].box, truthBox)).toBeCloseTo(100 / 700, 9);
    expect(meanAveragePrecision([turned], { iou: rotatedBoxIou }).map50).toBe(0);
    expect(meanAveragePrecision([right], { iou: rotatedBoxIou }).map50to95).toBe(1);
  });
});
