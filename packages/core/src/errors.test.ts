import { describe, expect, it } from 'vitest';
import { deserializeError, ImageDecodeError, ModelLoadError, YoloError } from './errors.js';

describe('YoloError', () => {
  it('carries a stable code, a name per class and the cause', () => {
    const cause = new Error('boom');
    const error = new ModelLoadError('MODEL_NOT_FOUND', 'a.onnx', 'no such model a.onnx', { cause });
    expect(error).toBeInstanceOf(YoloError);
    expect(error.name).toBe('ModelLoadError');
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.source).toBe('a.onnx');
    expect(error.cause).toBe(cause);
  });

  it('isInstance recognises errors across copies of the package by a registered symbol', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('yolokit.error')]: true });
    expect(YoloError.isInstance(foreign)).toBe(true);
    expect(YoloError.isInstance(new Error('x'))).toBe(false);
    expect(YoloError.isInstance(null)).toBe(false);
  });

  it('round-trips through JSON with its fields', () => {
    const error = new ImageDecodeError('bad.jpg', 'could not decode image bad.jpg');
    const copy = deserializeError(JSON.parse(JSON.stringify(error)));
    expect(YoloError.isInstance(copy)).toBe(true);
    expect(copy.name).toBe('ImageDecodeError');
    expect(copy.code).toBe('IMAGE_UNREADABLE');
    expect(copy.message).toBe('could not decode image bad.jpg');
    expect((copy as unknown as { source: string }).source).toBe('bad.jpg');
  });
});
