/**
 * Retries, backoff, dead letters and idempotent job ids, against a real redis-server, with the default model
 * (fast) in a worker of this process. Transient failures (HTTP 503 of an image URL, an inner worker process
 * that dies) are retried after exponential backoff and the job completes once; permanent ones (404, a missing
 * file) and exhausted retries are dead-lettered with their typed error; a job id given twice runs once.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createQueuePredictor, createQueueWorker } from '@yolokit/queue';
import { type Result, YoloError } from '@yolokit/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  countCompletions,
  defaultModelSpec,
  describeWithRedis,
  differences,
  directResults,
  type ImageServer,
  type RedisServer,
  startImageServer,
  startRedisServer,
  writeScenes,
} from './queue-support.js';

const customBackend = new URL('./fixtures/custom-backend/index.js', import.meta.url).href;

describeWithRedis('queue: retries, backoff, dead letters, idempotent ids', () => {
  let redis: RedisServer;
  let server: ImageServer;
  let scenes: Awaited<ReturnType<typeof writeScenes>>;
  let reference: Result[];
  let queueNumber = 0;
  const open: Array<{ close: () => Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    scenes = await writeScenes(6);
    reference = await directResults(scenes.png);
    server = await startImageServer(Object.fromEntries(scenes.png.map((bytes, i) => [`scene-${i}.png`, bytes])));
  }, 120_000);

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    if (scenes) rmSync(scenes.dir, { recursive: true, force: true });
  });

  /** A fresh queue with one in-process worker (threads × 1) and a producer with 100 ms exponential backoff. */
  async function setUp(workerOptions: Partial<Parameters<typeof createQueueWorker>[0]> = {}, producerOptions: Partial<Parameters<typeof createQueuePredictor>[0]> = {}) {
    const queue = `retries-${++queueNumber}`;
    // The scenes' folder and the image server: a worker reads nothing else a job names.
    const worker = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, concurrency: 2, allowRoots: [scenes.dir], allowUrls: [`${server.url}/`], ...workerOptions });
    open.push(worker);
    const predictor = await createQueuePredictor({ queue, redis: redis.url, backoff: { type: 'exponential', delayMs: 100 }, ...producerOptions });
    open.push(predictor);
    return { queue, worker, predictor };
  }

  async function rejection(promise: Promise<unknown>): Promise<YoloError & Record<string, unknown>> {
    try {
      await promise;
    } catch (error) {
      expect(YoloError.isInstance(error)).toBe(true);
      return error as YoloError & Record<string, unknown>;
    }
    throw new Error('expected a rejection');
  }

  it('a transient failure (HTTP 503 twice) is retried after 100 then 200 ms and completes once, with the right result', async () => {
    const { queue, worker, predictor } = await setUp();
    const completions = await countCompletions(redis.url, queue);
    open.push(completions);
    const path = '/flaky/2/scene-1.png';
    const result = await predictor.predict(`${server.url}${path}`, {}, { jobId: 'flaky-1' });
    expect(differences(result, reference[1])).toEqual([]);
    expect(result.source).toBe(`${server.url}${path}`);
    const hits = server.requests.filter((r) => r.path === path).map((r) => r.at);
    expect(hits).toHaveLength(3);
    // BullMQ's exponential backoff: delay × 2^(attempt − 1), so ≥ 100 ms, then ≥ 200 ms.
    expect(hits[1] - hits[0]).toBeGreaterThanOrEqual(95);
    expect(hits[2] - hits[1]).toBeGreaterThanOrEqual(195);
    expect(predictor.stats()).toMatchObject({ completed: 1, failed: 0, retried: 1 });
    expect(worker.stats()).toMatchObject({ completed: 1, retried: 2, deadLettered: 0, failures: { IMAGE_UNREADABLE: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Object.fromEntries(completions.counts)).toEqual({ 'flaky-1': 1 });
  });

  it('retries exhausted (attempts: 3, always 503) → dead-lettered with the typed error; the prediction rejects with it', async () => {
    const { predictor, worker } = await setUp({}, { attempts: 3 });
    const path = '/down/scene-2.png';
    const error = await rejection(predictor.predict(`${server.url}${path}`, {}, { jobId: 'down-1' }));
    expect(error).toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE', status: 503, retryable: true, jobId: 'down-1', attemptsMade: 3 });
    expect(error.message).toContain('HTTP 503');
    expect(server.requests.filter((r) => r.path === path)).toHaveLength(3);
    const [letter] = await predictor.deadLetters();
    expect(letter).toMatchObject({ jobId: 'down-1', attemptsMade: 3, image: `${server.url}${path}` });
    expect(letter.error).toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE', status: 503 });
    expect(worker.stats()).toMatchObject({ retried: 2, deadLettered: 1 });
    expect(predictor.stats().failures).toEqual({ IMAGE_UNREADABLE: 1 });
  });

  it('permanent failures are dead-lettered at the first attempt: HTTP 404, a missing file', async () => {
    const { predictor, worker } = await setUp();
    const notFound = await rejection(predictor.predict(`${server.url}/missing`));
    expect(notFound).toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE', status: 404, retryable: false, attemptsMade: 1 });
    expect(server.requests.filter((r) => r.path === '/missing')).toHaveLength(1);
    const absent = join(scenes.dir, 'nonexistent.png');
    const missing = await rejection(predictor.predict(absent));
    expect(missing).toMatchObject({ name: 'ImageDecodeError', code: 'IMAGE_UNREADABLE', attemptsMade: 1, source: absent });
    expect(worker.stats()).toMatchObject({ retried: 0, deadLettered: 2 });
    expect((await predictor.deadLetters()).map((d) => d.error.code)).toEqual(['IMAGE_UNREADABLE', 'IMAGE_UNREADABLE']);
  });

  it('an inner worker process that dies (WORKER_DIED) fails one attempt; the job is retried and every job completes once', async () => {
    const marker = `${scenes.dir}/crashed-${Date.now()}`;
    const model = { ...defaultModelSpec(), backend: { module: customBackend, export: 'customOnnx', options: { crashOnceMarker: marker }, threadsOption: 'intraOpNumThreads' } };
    const { queue, worker, predictor } = await setUp({ model, strategy: 'processes', workers: 2, concurrency: 2 });
    const completions = await countCompletions(redis.url, queue);
    open.push(completions);
    const results = await predictor.predictMany(scenes.paths);
    expect(results.flatMap((result, i) => differences(result, reference[i]))).toEqual([]);
    expect(worker.stats()).toMatchObject({ completed: scenes.paths.length, retried: 1, failures: { WORKER_DIED: 1 } });
    expect(predictor.stats()).toMatchObject({ completed: scenes.paths.length, failed: 0, retried: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(completions.counts.size).toBe(scenes.paths.length);
    expect([...completions.counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('a job id given again runs nothing new: the kept result comes back, from this producer or another', async () => {
    const { queue, worker, predictor } = await setUp();
    const first = await predictor.predict(scenes.paths[3], {}, { jobId: 'order-17' });
    const again = await predictor.predict(scenes.paths[3], {}, { jobId: 'order-17' });
    const other = await createQueuePredictor({ queue, redis: redis.url });
    open.push(other);
    const fromOther = await other.predict(scenes.paths[3], {}, { jobId: 'order-17' });
    expect(worker.stats().completed).toBe(1);
    for (const result of [again, fromOther]) expect(differences(result, first)).toEqual([]);
    expect(differences(await other.result('order-17') as Result, first)).toEqual([]);

    // The same batch twice under one prefix: the second run is answered from the kept results.
    const batch = await predictor.predictMany(scenes.paths, {}, { jobIdPrefix: 'batch-9' });
    const rerun = await other.predictMany(scenes.paths, {}, { jobIdPrefix: 'batch-9' });
    expect(worker.stats().completed).toBe(1 + scenes.paths.length);
    expect(rerun.flatMap((result, i) => differences(result, batch[i]))).toEqual([]);

    // Two producers racing on one id: one job, one run, both answered.
    const [a, b] = await Promise.all([predictor.predict(scenes.paths[4], {}, { jobId: 'race-1' }), other.predict(scenes.paths[4], {}, { jobId: 'race-1' })]);
    expect(differences(a, b)).toEqual([]);
    expect(worker.stats().completed).toBe(2 + scenes.paths.length);

    // Within one producer an id still waiting is a mistake of the caller.
    const waiting = predictor.predict(scenes.paths[5], {}, { jobId: 'twice' });
    const error = await rejection(predictor.predict(scenes.paths[5], {}, { jobId: 'twice' }));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'call.jobId' });
    await waiting;

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    expect(await bull.getJobCounts('completed', 'failed', 'wait', 'active')).toEqual({ completed: 3 + scenes.paths.length, failed: 0, wait: 0, active: 0 });
    await bull.close();
    connection.disconnect();
  });

  it('keepResults: false removes a result once delivered; result() then finds nothing', async () => {
    const { predictor } = await setUp({}, { keepResults: false });
    await predictor.predict(scenes.paths[0], {}, { jobId: 'gone-after' });
    expect(await predictor.result('gone-after')).toBeUndefined();
  });
});
