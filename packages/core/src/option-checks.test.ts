import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { booleanOption, countOrInfinity, finiteNumber, integerInRange, milliseconds, oneOf, optionsObject, positiveInteger, rejectUnknown, required } from './option-checks.js';

/** The error `run` throws: an InvalidOptionError whose option and message are returned for comparison. */
function failure(run: () => unknown): { code: string; option: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    const { code, option, message } = error as InvalidOptionError;
    return { code, option, message };
  }
  throw new Error('expected an InvalidOptionError, nothing was thrown');
}

describe('option checks', () => {
  it('return the value, or the fallback for undefined', () => {
    expect(positiveInteger(3, 'options.workers')).toBe(3);
    expect(positiveInteger(undefined, 'options.workers')).toBeUndefined();
    expect(positiveInteger(undefined, 'options.workers', 2)).toBe(2);
    expect(integerInRange(0, 'options.n', 0, 5)).toBe(0);
    expect(finiteNumber(0.5, 'options.conf', { min: 0, max: 1 })).toBe(0.5);
    expect(milliseconds(undefined, 'options.timeoutMs', 30_000)).toBe(30_000);
    expect(milliseconds(Number.POSITIVE_INFINITY, 'options.timeoutMs', 1, true)).toBe(Number.POSITIVE_INFINITY);
    expect(countOrInfinity(undefined, 'options.maxQueue', 1, 1024)).toBe(1024);
    expect(countOrInfinity(Number.POSITIVE_INFINITY, 'options.maxQueue', 1, 1024)).toBe(Number.POSITIVE_INFINITY);
    expect(countOrInfinity(0, 'options.maxQueue', 0, 1024)).toBe(0);
    expect(booleanOption(false, 'options.metrics', true)).toBe(false);
    expect(booleanOption(undefined, 'options.metrics', true)).toBe(true);
    expect(oneOf(undefined, 'options.strategy', ['threads', 'processes'], 'threads')).toBe('threads');
    expect(optionsObject({ a: 1 }, 'options')).toEqual({ a: 1 });
    expect(required(0, 'options.n', 'a number')).toBe(0);
    expect(() => rejectUnknown({ conf: 1 }, ['conf', 'iou'], 'a prediction')).not.toThrow();
  });

  it.each([
    ['a positive integer', () => positiveInteger(0, 'options.workers'), 'options.workers', 'options.workers must be a positive integer, got 0'],
    ['a fraction', () => positiveInteger(1.5, 'options.workers', 1), 'options.workers', 'options.workers must be a positive integer, got 1.5'],
    ['an integer as text', () => positiveInteger('2', 'options.workers'), 'options.workers', 'options.workers must be a positive integer, got "2"'],
    ['beyond max', () => positiveInteger(2 ** 31, 'options.timeoutMs', 1, 2 ** 31 - 1), 'options.timeoutMs', 'options.timeoutMs must be an integer from 1 to 2147483647, got 2147483648'],
    ['in a range', () => integerInRange(-1, 'options.n', 0, 50), 'options.n', 'options.n must be an integer from 0 to 50, got -1'],
    ['non-negative', () => integerInRange(Number.NaN, 'options.n', 0), 'options.n', 'options.n must be a non-negative integer, got NaN'],
    ['a number in range', () => finiteNumber(Number.POSITIVE_INFINITY, 'options.conf', { min: 0, max: 1 }), 'options.conf', 'options.conf must be a number from 0 to 1, got Infinity'],
    ['milliseconds', () => milliseconds(0, 'options.timeoutMs', 1), 'options.timeoutMs', 'options.timeoutMs must be a positive number of milliseconds up to 2147483647, got 0'],
    ['Infinity where not allowed', () => milliseconds(Number.POSITIVE_INFINITY, 'options.t', 1), 'options.t', 'options.t must be a positive number of milliseconds up to 2147483647, got Infinity'],
    ['milliseconds or Infinity', () => milliseconds(-5, 'options.t', 1, true), 'options.t', 'options.t must be a positive number of milliseconds up to 2147483647, or Infinity, got -5'],
    ['required', () => positiveInteger(required(undefined, 'options.n', 'a positive integer'), 'options.n'), 'options.n', 'options.n is required: a positive integer'],
    ['a count or Infinity', () => countOrInfinity(0, 'options.maxQueue', 1, 1024), 'options.maxQueue', 'options.maxQueue must be a positive integer or Infinity, got 0'],
    ['a count from 0, with why', () => countOrInfinity(-1, 'options.maxQueue', 0, 1024, ' (waiting tasks)'), 'options.maxQueue', 'options.maxQueue must be a non-negative integer or Infinity (waiting tasks), got -1'],
    ['a count, not a fraction', () => countOrInfinity(2.5, 'options.maxQueue', 0, 1024), 'options.maxQueue', 'options.maxQueue must be a non-negative integer or Infinity, got 2.5'],
    ['a boolean', () => booleanOption('yes', 'options.metrics'), 'options.metrics', 'options.metrics must be a boolean, got "yes"'],
    ['one of', () => oneOf('thread', 'options.strategy', ['threads', 'processes']), 'options.strategy', `options.strategy must be one of 'threads', 'processes', got "thread"`],
    ['an object, with the call and shape', () => optionsObject(42, 'options', { call: 'onnx(options)', shape: '{ name }' }), 'options', 'onnx(options): options must be an object { name }, got 42'],
    ['an object, not an array', () => optionsObject(['cpu'], 'options.auto'), 'options.auto', 'options.auto must be an object, got ["cpu"]'],
    ['an object, not null', () => optionsObject(null, 'options'), 'options', 'options must be an object, got null'],
    [
      'a known key, with the nearest',
      () => rejectUnknown({ maxThread: 2 }, ['workers', 'maxThreads'], 'a predictor'),
      'options.maxThread',
      'options.maxThread is not a predictor option (did you mean options.maxThreads?); known options: workers, maxThreads',
    ],
    [
      'a known key, none near',
      () => rejectUnknown({ device: 'gpu' }, new Set(['workers', 'maxThreads']), 'a queue', 'options.queue'),
      'options.queue.device',
      'options.queue.device is not a queue option; known options: workers, maxThreads',
    ],
  ])('%s', (_name, run, option, message) => {
    expect(failure(run)).toEqual({ code: 'INVALID_OPTION', option, message });
  });
});
