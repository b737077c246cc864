import { describe, expect, it } from 'vitest';
import { UnsupportedOutputError, YoloError } from './errors.js';
import { detectOutputFormat } from './output-format.js';

describe('detectOutputFormat', () => {
  it.each([
    [[1, 84, 8400], { classCount: 80 }, 'yolov8'],
    [[1, 84, 2100], { classCount: 80 }, 'yolov8'],
    [[1, 5, 8400], { classCount: 1 }, 'yolov8'],
    [[1, 11, 13125], { classCount: 7 }, 'yolov8'],
    [[1, 25200, 85], { classCount: 80 }, 'yolov5'],
    [[1, 300, 6], { classCount: 80, end2end: true }, 'end2end'],
    [[1, 300, 6], { classCount: 80 }, 'end2end'],
    [[1, 84, 8400], {}, 'yolov8'],
    [[1, 25200, 85], {}, 'yolov5'],
    [[1, 300, 6], {}, 'end2end'],
    [[1, 25200, 6], { classCount: 1, end2end: false }, 'yolov5'],
  ] as const)('%j with %j is %s', (dims, facts, expected) => {
    expect(detectOutputFormat(dims, facts)).toBe(expected);
  });

  it.each([
    [[1, 84], {}],
    [[2, 84, 8400], {}],
    [[1, 84, 8400], { classCount: 3 }],
    [[1, 300, 7], { end2end: true }],
    [[1, 10, 10], {}],
    [[1, 32, 160, 160], {}],
  ] as const)('rejects %j with %j', (dims, facts) => {
    try {
      detectOutputFormat(dims, facts);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedOutputError);
      expect(YoloError.isInstance(error)).toBe(true);
      expect((error as YoloError).code).toBe('MODEL_OUTPUT_UNSUPPORTED');
      expect((error as Error).message).toContain(`[${dims.join(', ')}]`);
    }
  });
});
