/**
 * How images travel: by reference (a path, a file: URL, an http URL the worker downloads) or by value (bytes,
 * raw pixels, or a file read by the producer with `imageTransport: 'value'`), all giving the direct result;
 * and the size limit on what goes by value: `ImageTooLargeError` before anything is enqueued on the producer,
 * and a dead-lettered job (not retried) when a worker's own limit is lower.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createQueuePredictor, createQueueWorker, DEFAULT_MAX_IMAGE_BYTES } from '@yolokit/queue';
import type { ImageInput, Result, YoloError } from '@yolokit/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
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

describeWithRedis('queue: images by reference and by value, and the size limit', () => {
  let redis: RedisServer;
  let server: ImageServer;
  let scenes: Awaited<ReturnType<typeof writeScenes>>;
  let reference: Result[];
  let queueNumber = 0;
  const open: Array<{ close: () => Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    scenes = await writeScenes(3);
    reference = await directResults(scenes.png);
    server = await startImageServer({ 'scene-0.png': scenes.png[0], 'big.png': new Uint8Array(64 * 1024) });
  }, 120_000);

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    if (scenes) rmSync(scenes.dir, { recursive: true, force: true });
  });

  async function setUp(workerOptions: Record<string, unknown> = {}, producerOptions: Record<string, unknown> = {}) {
    const queue = `images-${++queueNumber}`;
    // The scenes' folder and the image server: a worker reads nothing else a job names.
    const worker = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, allowRoots: [scenes.dir], allowUrls: [`${server.url}/`], ...workerOptions });
    open.push(worker);
    const predictor = await createQueuePredictor({ queue, redis: redis.url, ...producerOptions });
    open.push(predictor);
    return { queue, worker, predictor };
  }

  async function jobCounts(queue: string) {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    const counts = await bull.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed');
    await bull.close();
    connection.disconnect();
    return counts;
  }

  it('every form of an image gives the direct result, with the source a direct predict gives', async () => {
    const { predictor } = await setUp();
    const [path] = scenes.paths;
    const bytes = scenes.png[0];
    const forms: Array<[string, ImageInput, string | undefined]> = [
      ['path (by reference)', path, path],
      ['file: URL (by reference)', pathToFileURL(path), pathToFileURL(path).href],
      ['file: URL string (by reference)', pathToFileURL(path).href, pathToFileURL(path).href],
      ['http URL (the worker downloads it)', `${server.url}/ok/scene-0.png`, `${server.url}/ok/scene-0.png`],
      ['bytes (by value)', bytes, undefined],
      ['ArrayBuffer (by value)', bytes.slice().buffer, undefined],
      ['raw pixels (by value)', scenes.raw[0], undefined],
    ];
    for (const [form, input, source] of forms) {
      const result = await predictor.predict(input);
      expect(differences(result, reference[0]), form).toEqual([]);
      expect(result.source, form).toBe(source);
    }
  });

  it("imageTransport: 'value' reads the file here and sends its bytes: the same results, the path kept as source", async () => {
    const { queue, predictor } = await setUp({}, { imageTransport: 'value' });
    const results = await predictor.predictMany(scenes.paths);
    expect(results.flatMap((result, i) => differences(result, reference[i]))).toEqual([]);
    expect(results.map((r) => r.source)).toEqual(scenes.paths);
    // The bytes really travelled: the jobs in Redis carry them, no path.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    const jobs = await bull.getCompleted();
    expect(jobs.map((job) => job.data.image.kind)).toEqual(['bytes', 'bytes', 'bytes']);
    expect(jobs.map((job) => Buffer.from(job.data.image.base64, 'base64').byteLength).sort()).toEqual(scenes.png.map((b) => b.byteLength).sort());
    await bull.close();
    connection.disconnect();
  });

  it('past maxImageBytes on the producer: ImageTooLargeError (INVALID_OPTION) at once, and nothing is enqueued', async () => {
    const { queue, predictor } = await setUp({}, { maxImageBytes: 1_000, imageTransport: 'value' });
    const big = new Uint8Array(1_001);
    const errors: YoloError[] = [];
    for (const input of [big, big.buffer, { data: new Uint8Array(1_200), width: 20, height: 20, channels: 3 as const }, scenes.paths[0]]) {
      await predictor.predict(input).then(
        () => expect.unreachable('should reject'),
        (error: YoloError) => errors.push(error),
      );
    }
    for (const error of errors) {
      expect(error).toMatchObject({ name: 'ImageTooLargeError', code: 'INVALID_OPTION', option: 'image', maxImageBytes: 1_000 });
      expect(error.message).toContain('pass its path or URL instead');
    }
    expect(errors.map((e) => (e as unknown as { byteLength: number }).byteLength)).toEqual([1_001, 1_001, 1_200, scenes.png[0].byteLength]);
    expect(await jobCounts(queue)).toEqual({ completed: 0, failed: 0, wait: 0, active: 0, delayed: 0 });
    expect(predictor.stats().failures).toEqual({ INVALID_OPTION: 4 });
    expect(DEFAULT_MAX_IMAGE_BYTES).toBe(8 * 1024 * 1024);
  });

  it("a worker's lower limit dead-letters the job at once (not retried); downloads stop at the limit too", async () => {
    const { queue, predictor, worker } = await setUp({ maxImageBytes: 4_096 }, { attempts: 3 });
    const error = await predictor.predict(scenes.png[0]).then(
      () => expect.unreachable('should reject'),
      (e: YoloError) => e,
    );
    expect(error).toMatchObject({ name: 'ImageTooLargeError', code: 'INVALID_OPTION', maxImageBytes: 4_096, attemptsMade: 1 });
    const download = await predictor.predict(`${server.url}/ok/big.png`).then(
      () => expect.unreachable('should reject'),
      (e: YoloError) => e,
    );
    expect(download).toMatchObject({ name: 'ImageTooLargeError', code: 'INVALID_OPTION', maxImageBytes: 4_096, attemptsMade: 1 });
    expect(worker.stats()).toMatchObject({ retried: 0, deadLettered: 2 });
    expect(await jobCounts(queue)).toMatchObject({ failed: 2, completed: 0 });
  });

  it('inputs no worker could read are refused before anything is enqueued', async () => {
    const { queue, predictor } = await setUp();
    const ftp = await predictor.predict(new URL('ftp://example.com/a.jpg')).catch((e: YoloError) => e);
    expect(ftp).toMatchObject({ code: 'IMAGE_UNREADABLE' });
    const unreadable = join(scenes.dir, 'not-there.png');
    const value = await createQueuePredictor({ queue, redis: redis.url, imageTransport: 'value' });
    open.push(value);
    const missing = await value.predict(unreadable).catch((e: YoloError) => e);
    expect(missing).toMatchObject({ code: 'IMAGE_UNREADABLE' });
    expect((missing as Error).message).toContain('to send it by value');
    expect(await jobCounts(queue)).toEqual({ completed: 0, failed: 0, wait: 0, active: 0, delayed: 0 });
  });
});
