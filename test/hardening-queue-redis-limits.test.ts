/**
 * Issue 15, finding 6's last gap: a job far over maxImageBytes costs a worker its parse before the worker can
 * refuse it (BullMQ's moveToActive returns the whole job; bench/queue-oversized-job.mjs: +499 MiB peak RSS for a
 * 100 MB image). The queue docs therefore recommend bounding a job in Redis itself, `--proto-max-bulk-len 16mb`.
 * This checks the recommendation against a real redis-server: an oversized job is refused at the write, and the
 * largest image the producer sends by default (maxImageBytes, 8 MiB) still travels to a worker.
 */
import { connect } from 'node:net';
import { createQueuePredictor, createQueueWorker, isJobError, type QueueWorkerEvent } from '@yolokit/queue';
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

  it('a 20 MB image written straight into Redis is refused at the write; nothing is stored', async () => {
    // What a producer's client sends for a job whose data is a 20 MB image's base64 (27 MB): the command's header
    // announces the value's length, and Redis refuses it from that header, before reading the value. Sent on a raw
    // socket: a client library that keeps writing the value after Redis has closed the connection resends the
    // command on every reconnect (ioredis did, for minutes), which says nothing about Redis.
    const { hostname, port } = new URL(redis.url);
    const key = 'yolokit:limits-raw:1';
    const announced = Math.ceil(20_000_000 / 3) * 4;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write(`*4\r\n$4\r\nHSET\r\n$${key.length}\r\n${key}\r\n$4\r\ndata\r\n$${announced}\r\n`);
    });
    expect(reply).toBe('-ERR Protocol error: invalid bulk length\r\n');
    const check = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await check.exists(key)).toBe(0);
      expect(await check.dbsize()).toBe(0);
    } finally {
      check.disconnect();
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
