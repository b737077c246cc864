import { describe, expect, it } from 'vitest';
import {
  AbortError,
  BackendUnavailableError,
  DisposedError,
  deserializeError,
  ImageDecodeError,
  InferenceError,
  InvalidOptionError,
  ModelLoadError,
  registerErrorClasses,
  registeredErrorClass,
  serializeError,
  UnsupportedOutputError,
  YoloError,
  type YoloErrorClass,
} from './errors.js';

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

/** What a receiving side makes of `error`: its wire form through JSON (the queue) or structured clone (threads, processes). */
const roundTrips = {
  json: (error: YoloError) => deserializeError(JSON.parse(JSON.stringify(serializeError(error)))),
  structuredClone: (error: YoloError) => deserializeError(structuredClone(serializeError(error))),
};

/** A third party's error class with a field of its own, and a subclass of it. */
class QuotaError extends YoloError {
  readonly quota: number;
  constructor(quota: number) {
    super('BACKEND_UNAVAILABLE', `quota of ${quota} exceeded`);
    this.quota = quota;
  }
}
class HardQuotaError extends QuotaError {
  readonly hard = true;
}

describe('error class registry: errors keep their class across a round trip', () => {
  const cause = new Error('ENOENT: no such file');
  const coreErrors: Array<[YoloErrorClass, YoloError, Record<string, unknown>]> = [
    [ImageDecodeError, new ImageDecodeError('bad.jpg', 'could not decode bad.jpg', { code: 'IMAGE_TOO_SMALL' }), { code: 'IMAGE_TOO_SMALL', source: 'bad.jpg' }],
    [ModelLoadError, new ModelLoadError('MODEL_NOT_FOUND', '/m/a.onnx', 'no model at /m/a.onnx', { cause }), { code: 'MODEL_NOT_FOUND', source: '/m/a.onnx', causeMessage: cause.message }],
    [UnsupportedOutputError, new UnsupportedOutputError([1, 7, 9], 'output [1, 7, 9] is not a YOLO layout'), { code: 'MODEL_OUTPUT_UNSUPPORTED', dims: [1, 7, 9] }],
    [InvalidOptionError, new InvalidOptionError('options.conf', 'options.conf must be in [0, 1], got 2'), { code: 'INVALID_OPTION', option: 'options.conf' }],
    [BackendUnavailableError, new BackendUnavailableError('no webgpu here', ['wasm', 'cpu']), { code: 'BACKEND_UNAVAILABLE', available: ['wasm', 'cpu'] }],
    [InferenceError, new InferenceError('the session failed'), { code: 'INFERENCE_FAILED' }],
    [DisposedError, new DisposedError('the model'), { code: 'DISPOSED' }],
    [AbortError, new AbortError('stopped'), { code: 'ABORTED' }],
  ];

  for (const [via, trip] of Object.entries(roundTrips)) {
    for (const [errorClass, original, fields] of coreErrors) {
      it(`${errorClass.name} through ${via}: same class, code, message and fields`, () => {
        const copy = trip(original);
        expect(copy).toBeInstanceOf(errorClass);
        expect(copy).toBeInstanceOf(YoloError);
        expect(copy).toBeInstanceOf(Error);
        expect(copy).not.toBe(original);
        expect(YoloError.isInstance(copy)).toBe(true);
        expect(copy.name).toBe(errorClass.name);
        expect(copy.message).toBe(original.message);
        expect(copy).toMatchObject(fields);
        expect(copy.stack?.split('\n')[0]).toBe(`${errorClass.name}: ${original.message}`);
        // Serialising the copy again gives the same wire form: a second hop changes nothing.
        expect(serializeError(copy)).toEqual(serializeError(original));
      });
    }
  }

  it('a registered third-party class and its subclass come back as themselves, with their fields', () => {
    registerErrorClasses(QuotaError, HardQuotaError);
    expect(registeredErrorClass('QuotaError')).toBe(QuotaError);
    const soft = roundTrips.json(new QuotaError(10));
    expect(soft).toBeInstanceOf(QuotaError);
    expect(soft).not.toBeInstanceOf(HardQuotaError);
    expect((soft as QuotaError).quota).toBe(10);
    const hard = roundTrips.structuredClone(new HardQuotaError(3));
    expect(hard).toBeInstanceOf(HardQuotaError);
    expect(hard).toBeInstanceOf(QuotaError);
    expect(hard).toMatchObject({ name: 'HardQuotaError', code: 'BACKEND_UNAVAILABLE', quota: 3, hard: true, message: 'quota of 3 exceeded' });
  });

  it('an unregistered class comes back as the core class of its code, keeping its name and fields', () => {
    const copy = deserializeError({ name: 'S3ModelMissingError', code: 'MODEL_NOT_FOUND', message: 'no s3://b/m.onnx', bucket: 'b' });
    expect(copy).toBeInstanceOf(ModelLoadError);
    expect(copy.name).toBe('S3ModelMissingError');
    expect(copy).toMatchObject({ code: 'MODEL_NOT_FOUND', bucket: 'b' });
    const timeout = deserializeError({ name: 'SomeTimeoutError', code: 'TIMEOUT', message: 'late' });
    expect(timeout.constructor).toBe(YoloError);
    expect(timeout.code).toBe('TIMEOUT');
  });

  it('anything else thrown becomes INFERENCE_FAILED with its message and stack', () => {
    const thrown = new RangeError('offset out of range');
    const serialized = serializeError(thrown);
    expect(serialized).toMatchObject({ name: 'InferenceError', code: 'INFERENCE_FAILED', message: 'the worker failed: offset out of range' });
    expect(serialized.workerStack).toBe(thrown.stack);
    expect(deserializeError(serialized)).toBeInstanceOf(InferenceError);
    expect(serializeError('a string', 'the job failed').message).toBe('the job failed: a string');
  });

  it('registers only error classes', () => {
    expect(() => registerErrorClasses((() => {}) as unknown as YoloErrorClass)).toThrow(TypeError);
    expect(() => registerErrorClasses(Object as unknown as YoloErrorClass)).toThrow('Object is not an error class');
  });
});
