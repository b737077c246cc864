/**
 * Issue 15, finding 6's last gap: a job far over maxImageBytes costs a worker its parse before the worker can
 * refuse it (BullMQ's moveToActive returns the whole job; bench/queue-oversized-job.mjs: +499 MiB peak RSS for a
 * 100 MB image). The queue docs therefore recommend bounding a job in Redis itself, `--proto-max-bulk-len 16mb`.
 * This checks the recommendation against a real redis-server: an oversized job is refused at the write, and the
 * largest image the producer sends by default (maxImageBytes, 8 MiB) still travels to a worker.
 */
import { createQueuePredictor, createQueueWorker, isJobError, type QueueWorkerEvent } from '@yolokit/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultModelSpec, describeWithRedis, type RedisServer, startRedisServer } from './queue-support.js';

describeWithRedis('hardening: a Redis with --proto-max-bulk-len 16mb, as the queue docs recommend', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer(['--proto-max-bulk-len', '16mb']);
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('a 20 MB image written straight into Redis is refused at the write; nothing is enqueued', async () => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connection.on('error', () => {});
    const bull = new Queue('limits-raw', { connection, prefix: 'yolokit' });
    bull.on('error', () => {});
    try {
      const base64 = Buffer.alloc(20_000_000, 7).toString('base64');
      await expect(bull.add('predict', { v: 1, image: { kind: 'bytes', base64 } })).rejects.toThrow('ERR Protocol error: invalid bulk length');
      expect(await bull.getJobCounts('waiting', 'active', 'failed', 'completed')).toEqual({ waiting: 0, active: 0, failed: 0, completed: 0 });
    } finally {
      await bull.close();
      connection.disconnect();
    }
  }, 60_000);

  it('an image of maxImageBytes (8 MiB, the default) still reaches a worker through it', async () => {
    const queue = 'limits-largest';
    const events: QueueWorkerEvent[] = [];
    const worker = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, threadsPerWorker: 1, onEvent: (e) => events.push(e) });
    const predictor = await createQueuePredictor({ queue, redis: redis.url, attempts: 1 });
    try {
      // 8 MiB of bytes that are no image: the worker's decoder is what refuses them, so the job got there.
      const error = await predictor.predict(new Uint8Array(8 * 1024 * 1024).fill(7)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isJobError(error)).toBe(true);
      expect(error).toMatchObject({ name: 'ImageDecodeError', code: 'IMAGE_UNREADABLE', attemptsMade: 1 });
      expect(worker.stats().failures).toEqual({ IMAGE_UNREADABLE: 1 });
      // Bounded as the docs say: no warning at start.
      expect(events.filter((e) => e.type === 'redis-unbounded')).toEqual([]);
    } finally {
      await predictor.close();
      await worker.close();
    }
  }, 120_000);

  it("a Redis left at its default (512 MB values): the worker warns once at start, naming the limit", async () => {
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await admin.config('SET', 'proto-max-bulk-len', '512mb');
    const events: QueueWorkerEvent[] = [];
    try {
      const worker = await createQueueWorker({ queue: 'limits-default', redis: redis.url, model: defaultModelSpec(), workers: 1, threadsPerWorker: 1, onEvent: (e) => events.push(e) });
      await worker.close();
      expect(events.filter((e) => e.type === 'redis-unbounded')).toEqual([{ type: 'redis-unbounded', redis: redis.url, protoMaxBulkLen: 512 * 1024 * 1024 }]);
    } finally {
      await admin.config('SET', 'proto-max-bulk-len', '16mb');
      admin.disconnect();
    }
  }, 120_000);
});
