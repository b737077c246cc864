import { AsyncLock, createPredictor, type PredictorOptions, resolvePredictorOptions, validateModelSpec } from '@yolokit/concurrency';
import { InvalidOptionError, type YoloModel } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const spec = { backend: onnxSpec(), model: '/models/yolov8n.onnx' };
const liveModel = { predict: async () => Promise.reject(new Error('unused')) } as unknown as YoloModel;

/** Asserts `resolvePredictorOptions(options)` throws an InvalidOptionError for `option` with exactly `message`. */
function rejects(options: unknown, option: string, message: string): void {
  let caught: unknown;
  try {
    resolvePredictorOptions(options, 4);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidOptionError);
  expect((caught as InvalidOptionError).code).toBe('INVALID_OPTION');
  expect((caught as InvalidOptionError).option).toBe(option);
  expect((caught as Error).message).toBe(message);
}

describe('createPredictor option validation: one test per message', () => {
  it('options must be an object', () =>
    rejects('threads', 'options', `createPredictor(options): options must be an object { strategy, model, ... }, got "threads"`));

  it('unknown option', () =>
    rejects(
      { strategy: 'threads', model: spec, maxThreads: 2 },
      'options.maxThreads',
      'options.maxThreads is not a predictor option; known options: strategy, model, queue, workers, threadsPerWorker, allowOversubscribe, maxQueue, taskTimeoutMs, retryOnWorkerDeath, offMainThread, transferImages, lock',
    ));

  it('strategy', () =>
    rejects({ strategy: 'thread', model: spec }, 'options.strategy', `options.strategy must be one of 'locked', 'threads', 'processes', 'unsafe-shared', 'queue', got "thread"`));

  it('model is required', () =>
    rejects(
      { strategy: 'processes' },
      'options.model',
      'options.model is required: a model spec { backend: { module, export?, options? }, model }',
    ));

  it('model is required (in-thread strategies also take a loaded model)', () =>
    rejects(
      { strategy: 'locked' },
      'options.model',
      'options.model is required: a model spec { backend: { module, export?, options? }, model } or a loaded model',
    ));

  it('a loaded model cannot cross to workers', () =>
    rejects(
      { strategy: 'threads', model: liveModel },
      'options.model',
      `options.model must be a model spec for strategy 'threads': a loaded model cannot cross to another thread or process; give { backend: { module, export, options }, model } instead`,
    ));

  it('a loaded model cannot go off the main thread', () =>
    rejects(
      { strategy: 'locked', offMainThread: true, model: liveModel },
      'options.model',
      `options.model must be a model spec for strategy 'locked' with offMainThread: a loaded model cannot cross to another thread or process; give { backend: { module, export, options }, model } instead`,
    ));

  it('workers must be a positive integer', () =>
    rejects({ strategy: 'threads', model: spec, workers: 0 }, 'options.workers', 'options.workers must be a positive integer, got 0'));

  it('workers only for pools', () =>
    rejects(
      { strategy: 'locked', model: spec, workers: 2 },
      'options.workers',
      `options.workers applies to strategies 'threads' and 'processes' only; 'locked' runs exactly one instance`,
    ));

  it('threadsPerWorker must be a positive integer', () =>
    rejects({ strategy: 'processes', model: spec, threadsPerWorker: 1.5 }, 'options.threadsPerWorker', 'options.threadsPerWorker must be a positive integer, got 1.5'));

  it('threadsPerWorker needs a spec', () =>
    rejects(
      { strategy: 'locked', model: liveModel, threadsPerWorker: 2 },
      'options.threadsPerWorker',
      'options.threadsPerWorker needs a model spec: the threads of an already loaded model cannot be changed',
    ));

  it('close(options): abort must be a boolean, refused as a rejection and the predictor left open', async () => {
    const predictor = await createPredictor({ strategy: 'locked', model: liveModel });
    const error = await predictor.close({ abort: 'yes' as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'options.abort', message: 'options.abort must be a boolean, got "yes"' });
    // Not closed by the refused call: a proper close still drains it.
    await expect(predictor.close()).resolves.toBeUndefined();
  });

  it('maxQueue', () =>
    rejects({ strategy: 'threads', model: spec, maxQueue: -1 }, 'options.maxQueue', 'options.maxQueue must be a non-negative integer or Infinity, got -1'));

  it('taskTimeoutMs', () =>
    rejects(
      { strategy: 'threads', model: spec, taskTimeoutMs: 0 },
      'options.taskTimeoutMs',
      'options.taskTimeoutMs must be a positive number of milliseconds up to 2147483647, or Infinity, got 0',
    ));

  it('retryOnWorkerDeath must be a boolean', () =>
    rejects({ strategy: 'processes', model: spec, retryOnWorkerDeath: 'yes' }, 'options.retryOnWorkerDeath', 'options.retryOnWorkerDeath must be a boolean, got "yes"'));

  it('offMainThread must be a boolean', () =>
    rejects({ strategy: 'locked', model: spec, offMainThread: 1 }, 'options.offMainThread', 'options.offMainThread must be a boolean, got 1'));

  it('offMainThread only for locked', () =>
    rejects(
      { strategy: 'threads', model: spec, offMainThread: true },
      'options.offMainThread',
      `options.offMainThread applies to strategy 'locked' only; 'threads' already runs off the main thread`,
    ));

  it('transferImages must be a boolean', () =>
    rejects({ strategy: 'threads', model: spec, transferImages: null }, 'options.transferImages', 'options.transferImages must be a boolean, got null'));

  it('lock must be an AsyncLock', () =>
    rejects({ strategy: 'locked', model: spec, lock: {} }, 'options.lock', 'options.lock must be an AsyncLock, got {}'));

  it('lock only for locked in this thread', () =>
    rejects(
      { strategy: 'threads', model: spec, lock: new AsyncLock() },
      'options.lock',
      `options.lock applies to strategy 'locked' in this thread only (the lock cannot guard a model in another thread)`,
    ));

  describe("strategy 'queue'", () => {
    const queue = { name: 'detect', redis: 'redis://127.0.0.1:6379' };

    it('queue is required', () =>
      rejects(
        { strategy: 'queue' },
        'options.queue',
        `options.queue is required for strategy 'queue': { name, redis, ... }, the queue's name and where its Redis is (such as { name: 'detect', redis: 'redis://127.0.0.1:6379' })`,
      ));

    it('queue must be an object', () =>
      rejects({ strategy: 'queue', queue: 'detect' }, 'options.queue', 'options.queue must be an object { name, redis, ... }, got "detect"'));

    it('queue only for the queue strategy', () =>
      rejects({ strategy: 'threads', model: spec, queue }, 'options.queue', `options.queue applies to strategy 'queue' only, got strategy "threads"`));

    it('workers and threadsPerWorker only with a model (the local queue worker)', () => {
      const message = (key: string) =>
        `options.${key} applies to strategy 'queue' only with options.model (this process's own queue worker); the queue's other workers set their own (yolokit worker --workers N --threads-per-worker K)`;
      rejects({ strategy: 'queue', queue, workers: 2 }, 'options.workers', message('workers'));
      rejects({ strategy: 'queue', queue, threadsPerWorker: 1 }, 'options.threadsPerWorker', message('threadsPerWorker'));
    });

    it('a loaded model cannot go to a queue worker', () =>
      rejects(
        { strategy: 'queue', queue, model: liveModel },
        'options.model',
        `options.model must be a model spec for strategy 'queue': a loaded model cannot cross to a queue worker; give { backend: { module, export, options }, model } instead`,
      ));

    it('the model spec is checked like everywhere', () =>
      rejects({ strategy: 'queue', queue, model: { ...spec, device: 'cpu' } }, 'options.model.device', 'options.model.device is not a model spec field; known fields: backend, model, defaults, createOptions'));

    it('retryOnWorkerDeath and transferImages do not apply', () => {
      rejects(
        { strategy: 'queue', queue, retryOnWorkerDeath: true },
        'options.retryOnWorkerDeath',
        `options.retryOnWorkerDeath does not apply to strategy 'queue': a job whose worker dies goes back to the queue, and failed attempts are retried up to options.queue.attempts`,
      );
      rejects(
        { strategy: 'queue', queue, transferImages: false },
        'options.transferImages',
        `options.transferImages does not apply to strategy 'queue': images travel through Redis by reference or by value (options.queue.imageTransport)`,
      );
    });

    it('offMainThread and lock do not apply', () => {
      rejects({ strategy: 'queue', queue, offMainThread: true }, 'options.offMainThread', `options.offMainThread applies to strategy 'locked' only; 'queue' runs its models on queue workers`);
      rejects(
        { strategy: 'queue', queue, lock: new AsyncLock() },
        'options.lock',
        `options.lock applies to strategy 'locked' in this thread only (the lock cannot guard a model in another thread)`,
      );
    });

    it('maxQueue is at least 1', () =>
      rejects(
        { strategy: 'queue', queue, maxQueue: 0 },
        'options.maxQueue',
        `options.maxQueue must be a positive integer or Infinity for strategy 'queue' (predictions of this producer waiting for their result), got 0`,
      ));

    it('defaults: a producer alone needs no model; with one, the local worker fits the cores', () => {
      expect(resolvePredictorOptions({ strategy: 'queue', queue }, 4)).toMatchObject({ strategy: 'queue', queue, spec: undefined, maxQueue: 1024, taskTimeoutMs: Infinity });
      expect(resolvePredictorOptions({ strategy: 'queue', queue, model: spec, workers: 2 }, 4)).toMatchObject({ spec, workers: 2, threadsPerWorker: 2 });
    });

    // The queue's own options are @yolokit/queue's to check, when createPredictor loads it (before it connects).
    const queueRejects = async (options: Record<string, unknown>, option: string, message: string) => {
      const error = await createPredictor({ strategy: 'queue', queue: { ...queue, ...options } } as PredictorOptions).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ option, message });
    };

    it('options.queue.name, .redis and the producer options are named as such', async () => {
      await queueRejects({ name: 'my queue' }, 'options.queue.name', `options.queue.name must be a queue name without spaces or ':' (such as 'detect'), got "my queue"`);
      await queueRejects({ redis: 'http://127.0.0.1:6379' }, 'options.queue.redis', 'options.queue.redis must use redis:// or rediss:// (TLS), got http:// in http://127.0.0.1:6379');
      await queueRejects({ attempts: 0 }, 'options.queue.attempts', 'options.queue.attempts must be a positive integer, got 0');
      await queueRejects(
        { allowRoots: ['/tmp'] },
        'options.queue.allowRoots',
        'options.queue.allowRoots is for the queue worker this process runs with options.model; give options.model, or pass allowRoots to the workers you start',
      );
      await queueRejects(
        { backoff: { type: 'linear', delayMs: 10 } },
        'options.queue.backoff',
        `options.queue.backoff must be { type: 'exponential' | 'fixed', delayMs: non-negative integer }, got {"type":"linear","delayMs":10}`,
      );
      await queueRejects(
        { keepResults: { ageSeconds: -1 } },
        'options.queue.keepResults',
        'options.queue.keepResults must be true, false or { ageSeconds?, count? } with positive integers, got {"ageSeconds":-1}',
      );
      await queueRejects(
        { maxAttempts: 3 },
        'options.queue.maxAttempts',
        'options.queue.maxAttempts is not a queue option (did you mean options.queue.attempts?); known options: name, redis, prefix, imageTransport, maxImageBytes, attempts, backoff, keepResults, keepFailed, resubmitLostJobs, maxResubmits, connectTimeoutMs, connectionLostTimeoutMs, reconcileIntervalMs, allowRoots, allowUrls',
      );
    });
  });

  it('defaults: workers × threadsPerWorker fit the cores', () => {
    expect(resolvePredictorOptions({ strategy: 'threads', model: spec }, 4)).toMatchObject({ workers: 4, threadsPerWorker: 1 });
    expect(resolvePredictorOptions({ strategy: 'processes', model: spec, workers: 2 }, 4)).toMatchObject({ workers: 2, threadsPerWorker: 2 });
    expect(resolvePredictorOptions({ strategy: 'threads', model: spec, threadsPerWorker: 2 }, 4)).toMatchObject({ workers: 2, threadsPerWorker: 2 });
    expect(resolvePredictorOptions({ strategy: 'locked', model: spec }, 4)).toMatchObject({ workers: 1, threadsPerWorker: 4, maxQueue: 1024 });
    expect(resolvePredictorOptions({ strategy: 'threads', model: spec, workers: 8 }, 4)).toMatchObject({ workers: 8, threadsPerWorker: 1 });
  });

  it('createPredictor rejects (does not throw synchronously) with the same error', async () => {
    await expect(createPredictor({ strategy: 'threads', model: spec, workers: -2 } as PredictorOptions)).rejects.toThrow(
      'options.workers must be a positive integer, got -2',
    );
  });
});

describe('model spec validation: one test per message', () => {
  function specRejects(value: unknown, option: string, message: string): void {
    expect(() => validateModelSpec(value, 'options.model')).toThrow(message);
    try {
      validateModelSpec(value, 'options.model');
    } catch (error) {
      expect((error as InvalidOptionError).option).toBe(option);
    }
  }

  it('not an object', () =>
    specRejects('yolov8n.onnx', 'options.model', 'options.model must be a model spec { backend: { module, export?, options? }, model, defaults? }, got "yolov8n.onnx"'));

  it('unknown field', () =>
    specRejects({ ...spec, device: 'cpu' }, 'options.model.device', 'options.model.device is not a model spec field; known fields: backend, model, defaults, createOptions'));

  it('backend not an object', () =>
    specRejects(
      { backend: 'onnx', model: 'm.onnx' },
      'options.model.backend',
      `options.model.backend must be { module, export?, options?, threadsOption? } naming the backend's module (a backend package's spec helper, such as onnxSpec(), makes one), got "onnx"`,
    ));

  it('unknown backend field', () =>
    specRejects(
      { backend: { module: 'x', name: 'y' }, model: 'm.onnx' },
      'options.model.backend.name',
      'options.model.backend.name is not a backend spec field; known fields: module, export, options, threadsOption',
    ));

  it('module missing', () =>
    specRejects(
      { backend: {}, model: 'm.onnx' },
      'options.model.backend.module',
      `options.model.backend.module must be a non-empty module specifier such as '@yolokit/backend-onnx', got undefined`,
    ));

  it('module relative', () =>
    specRejects(
      { backend: { module: './my-backend.js' }, model: 'm.onnx' },
      'options.model.backend.module',
      `options.model.backend.module must not be relative (./my-backend.js): workers cannot know what it is relative to; give a package name, an absolute path or new URL('./my-backend.js', import.meta.url).href`,
    ));

  it('export not a string', () =>
    specRejects({ backend: { module: 'x', export: 3 }, model: 'm.onnx' }, 'options.model.backend.export', 'options.model.backend.export must be the name of an export of x, got 3'));

  it('threadsOption', () =>
    specRejects(
      { backend: { module: 'x', threadsOption: 4 }, model: 'm.onnx' },
      'options.model.backend.threadsOption',
      'options.model.backend.threadsOption must be an option name or null, got 4',
    ));

  it('options not cloneable', () =>
    specRejects(
      { backend: { module: 'x', options: { log: () => {} } }, model: 'm.onnx' },
      'options.model.backend.options',
      'options.model.backend.options must be plain data that can cross to a worker (structuredClone failed:',
    ));

  it('model path or bytes', () =>
    specRejects(
      { backend: { module: 'x' }, model: new URL('file:///m.onnx') },
      'options.model.model',
      `options.model.model must be a model path, a file: URL string or the model's bytes as a non-empty Uint8Array, got "file:///m.onnx"`,
    ));

  it('defaults are prediction options', () =>
    specRejects({ ...spec, defaults: { conf: 2 } }, 'options.model.defaults.conf', 'options.model.defaults.conf must be a number from 0 to 1, got 2'));

  it('defaults without a signal', () =>
    specRejects(
      { ...spec, defaults: { signal: AbortSignal.abort() } },
      'options.model.defaults.signal',
      'options.model.defaults.signal is not allowed: a signal belongs to one call, pass it to predict()',
    ));

  it('createOptions fields', () =>
    specRejects(
      { ...spec, createOptions: { imageDecoder: 'sharp' } },
      'options.model.createOptions.imageDecoder',
      'options.model.createOptions.imageDecoder is not supported in a model spec; known fields: normalizedBoxes, names, maxImageBytes, maxModelBytes, modelTimeoutMs',
    ));

  it('createOptions byte limits and timeout are positive integers', () =>
    specRejects(
      { ...spec, createOptions: { maxImageBytes: 0 } },
      'options.model.createOptions.maxImageBytes',
      'options.model.createOptions.maxImageBytes must be a positive integer, got 0',
    ));
});
