/**
 * Issue 16: errors keep their class across threads, processes and the queue. The same faults are provoked through
 * every strategy of `createPredictor` (locked in this thread, a worker thread, a child process, the queue with a
 * worker of its own and a real redis-server) and each rejection is an instance of the class core threw, with its
 * code and fields; the queue's also carry their job's `jobId` and `attemptsMade` (a `JobError`).
 */
import { createPredictor, type ModelSpec, type Predictor, type PredictorOptions } from '@yolokit/concurrency';
import { ImageDecodeError, InvalidOptionError, ModelLoadError, type RawImage, YoloError } from '@yolokit/core';
import { createQueueWorker, ImageTooLargeError, isJobError, type QueueWorker } from '@yolokit/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelSpec, describeWithRedis, type RedisServer, redisServerBinary, startRedisServer } from './queue-support.js';

const MISSING_MODEL = '/nonexistent/yolokit-errors-round-trip.onnx';
const MISSING_IMAGE = '/nonexistent/yolokit-errors-round-trip.jpg';
/** A 1x1 image, made anew for each call: a `threads` predictor moves (detaches) the bytes it is given. */
const tiny = (): RawImage => ({ data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 });

/** Resolves with what `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

let redis: RedisServer | undefined;
let queueNumber = 0;

/** Each strategy, as options for `createPredictor` (the queue's start this file's redis-server on first use). */
const strategies: Array<{ name: string; crosses: string; options: () => Promise<Omit<PredictorOptions, 'model'>>; queue?: true }> = [
  { name: 'locked', crosses: 'nothing (this thread)', options: async () => ({ strategy: 'locked' }) },
  { name: 'threads', crosses: 'a worker thread', options: async () => ({ strategy: 'threads', workers: 1, threadsPerWorker: 1 }) },
  { name: 'processes', crosses: 'a child process', options: async () => ({ strategy: 'processes', workers: 1, threadsPerWorker: 1 }) },
  {
    name: 'queue',
    crosses: 'Redis (and the queue worker pool thread)',
    queue: true,
    options: async () => {
      redis ??= await startRedisServer();
      // The whole disk allowed: the missing image must reach the reader, whose error crosses Redis.
      return { strategy: 'queue', queue: { name: `errors-round-trip-${++queueNumber}`, redis: redis.url, allowRoots: ['/'] }, workers: 1, threadsPerWorker: 1 };
    },
  },
];

afterAll(async () => {
  await redis?.stop();
});

describe('errors keep their class through every strategy', () => {
  for (const strategy of strategies) {
    // Without redis-server the queue is skipped here; CI installs it (and the queue tests fail without it).
    const describeStrategy = strategy.queue && !redisServerBinary() ? describe.skip : describe;
    describeStrategy(`${strategy.name} (crossing ${strategy.crosses})`, () => {
      const spec: ModelSpec = defaultModelSpec();
      let predictor: Predictor;

      beforeAll(async () => {
        predictor = await createPredictor({ ...(await strategy.options()), model: spec } as PredictorOptions);
      }, 120_000);

      afterAll(async () => {
        await predictor?.close();
      });

      /** The queue's errors name their job; the others' do not. */
      function expectJobFields(error: unknown, attemptsMade: number): void {
        if (strategy.queue) {
          expect(isJobError(error)).toBe(true);
          expect(error).toMatchObject({ jobId: expect.stringMatching(/^[0-9a-f]{8}-\d+$/), attemptsMade });
        } else {
          expect(isJobError(error)).toBe(false);
        }
      }

      it('MODEL_NOT_FOUND: a model that is not there rejects createPredictor with ModelLoadError and its source', async () => {
        const error = await rejection(createPredictor({ ...(await strategy.options()), model: { ...spec, model: MISSING_MODEL } } as PredictorOptions));
        expect(error).toBeInstanceOf(ModelLoadError);
        expect(error).toMatchObject({ name: 'ModelLoadError', code: 'MODEL_NOT_FOUND', source: MISSING_MODEL });
        expect((error as Error).message).toContain(MISSING_MODEL);
      });

      it('INVALID_OPTION raised where the model loads: InvalidOptionError naming the option', async () => {
        // The spec is data the caller does not check this deep: the model's own createModel does, in the worker.
        const bad = { ...spec, createOptions: { normalizedBoxes: 'maybe' } } as unknown as ModelSpec;
        const error = await rejection(createPredictor({ ...(await strategy.options()), model: bad } as PredictorOptions));
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect(error).toMatchObject({ name: 'InvalidOptionError', code: 'INVALID_OPTION', option: 'options.normalizedBoxes' });
      });

      it('IMAGE_UNREADABLE: a missing image file rejects its prediction with ImageDecodeError and its source', async () => {
        const error = await rejection(predictor.predict(MISSING_IMAGE));
        expect(error).toBeInstanceOf(ImageDecodeError);
        expect(error).toMatchObject({ name: 'ImageDecodeError', code: 'IMAGE_UNREADABLE', source: MISSING_IMAGE });
        // A permanent failure: the queue does not retry it.
        expectJobFields(error, 1);
      });

      it('IMAGE_TOO_SMALL: a 1x1 image rejects with ImageDecodeError, code IMAGE_TOO_SMALL', async () => {
        const error = await rejection(predictor.predict(tiny()));
        expect(error).toBeInstanceOf(ImageDecodeError);
        expect(error).toMatchObject({ name: 'ImageDecodeError', code: 'IMAGE_TOO_SMALL' });
        expect((error as Error).message).toContain('1x1 pixels');
        expectJobFields(error, 1);
      });

      it('INVALID_OPTION of a call: InvalidOptionError, before anything is sent', async () => {
        const error = await rejection(predictor.predict(MISSING_IMAGE, { conf: 2 }));
        expect(error).toBeInstanceOf(InvalidOptionError);
        expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'options.conf' });
        expect(isJobError(error)).toBe(false);
      });

      it('the predictor counted each failure by code, and still predicts', async () => {
        expect(predictor.stats().failures).toEqual({ IMAGE_UNREADABLE: 1, IMAGE_TOO_SMALL: 1, INVALID_OPTION: 1 });
        const result = await predictor.predict({ data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, channels: 3 });
        expect([result.width, result.height]).toEqual([64, 48]);
        expect(predictor.stats().completed).toBe(1);
      });
    });
  }
});

describeWithRedis("the queue: a worker's own limit is an InvalidOptionError (ImageTooLargeError) across Redis", () => {
  let server: RedisServer;
  let worker: QueueWorker;
  let predictor: Predictor;

  beforeAll(async () => {
    server = await startRedisServer();
    // The worker takes at most 1000 bytes by value; the producer allows its default (8 MiB), so the job is sent.
    worker = await createQueueWorker({ queue: 'errors-too-large', redis: server.url, model: defaultModelSpec(), workers: 1, threadsPerWorker: 1, maxImageBytes: 1_000 });
    predictor = await createPredictor({ strategy: 'queue', queue: { name: 'errors-too-large', redis: server.url } });
  }, 120_000);

  afterAll(async () => {
    await predictor?.close();
    await worker?.close();
    await server?.stop();
  });

  it('rejects with ImageTooLargeError, instanceof InvalidOptionError, with its fields and its job', async () => {
    // Checked by size before any decoding: the bytes need not be an image.
    const bytes = new Uint8Array(4_096).fill(7);
    const error = await rejection(predictor.predict(bytes));
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(YoloError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'ImageTooLargeError', code: 'INVALID_OPTION', option: 'image', byteLength: bytes.byteLength, maxImageBytes: 1_000, attemptsMade: 1 });
    expect(isJobError(error)).toBe(true);
    expect(worker.stats().deadLettered).toBe(1);
  });
});
