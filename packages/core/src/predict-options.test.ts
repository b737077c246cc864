import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { DEFAULT_PREDICT_OPTIONS, resolvePredictOptions } from './predict-options.js';

describe('resolvePredictOptions', () => {
  it('applies defaults, then model defaults, then call options', () => {
    expect(resolvePredictOptions(undefined)).toEqual(DEFAULT_PREDICT_OPTIONS);
    expect(resolvePredictOptions({ iou: 0.5 }, { conf: 0.4, iou: 0.6 })).toMatchObject({ conf: 0.4, iou: 0.5, maxDet: 300 });
  });

  it('ignores undefined values instead of overriding defaults with them', () => {
    expect(resolvePredictOptions({ conf: undefined }).conf).toBe(0.25);
  });

  it.each([
    [{ conf: -0.1 }, 'options.conf must be a number from 0 to 1, got -0.1'],
    [{ conf: 2 }, 'options.conf must be a number from 0 to 1, got 2'],
    [{ conf: Number.NaN }, 'options.conf must be a number from 0 to 1, got NaN'],
    [{ conf: '0.5' }, 'options.conf must be a number from 0 to 1, got "0.5"'],
    [{ iou: 1.5 }, 'options.iou must be a number from 0 to 1, got 1.5'],
    [{ maxDet: 0 }, 'options.maxDet must be an integer from 1 to 100000, got 0'],
    [{ maxDet: 2.5 }, 'options.maxDet must be an integer from 1 to 100000, got 2.5'],
    [{ maxDet: 1e9 }, 'options.maxDet must be an integer from 1 to 100000, got 1000000000'],
    [{ classes: [0, -1] }, 'options.classes must be an array of non-negative integer class ids, got [0,-1]'],
    [{ classes: 3 }, 'options.classes must be an array of non-negative integer class ids, got 3'],
    [{ agnostic: 'yes' }, 'options.agnostic must be a boolean, got "yes"'],
    [{ imgsz: 10 }, 'options.imgsz must be an integer from 32 to 8192 or a [height, width] pair of them, got 10'],
    [{ imgsz: [640] }, 'options.imgsz must be an integer from 32 to 8192 or a [height, width] pair of them, got [640]'],
    [{ confidence: 0.5 }, 'options.confidence is not a prediction option'],
  ])('%j → %s', (options, message) => {
    let caught: unknown;
    try {
      resolvePredictOptions(options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).code).toBe('INVALID_OPTION');
    expect((caught as Error).message).toContain(message);
  });

  it('names the option with the given prefix', () => {
    expect(() => resolvePredictOptions({ conf: 5 }, {}, 'defaults')).toThrow('defaults.conf must be');
    expect(() => resolvePredictOptions([] as never)).toThrow('options must be an object, got []');
  });
});
