/**
 * Graceful shutdown. A closing worker takes no new job, lets its held jobs finish within `shutdownTimeoutMs`
 * and gives the rest back to the queue (no attempt counted) for another worker; `yolokit worker` does that on
 * SIGTERM and returns held jobs at once on a second one. A closing producer drains, or with `abort` rejects
 * what waits and withdraws the jobs no worker has started. Slow jobs are images behind a slow HTTP route.
 */
import { rmSync } from 'node:fs';
import { createQueuePredictor, createQueueWorker, type QueuePredictor, type QueueWorker } from '@yolokit/queue';
import type { Result, YoloError } from '@yolokit/core';
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
  spawnWorker,
  startImageServer,
  startRedisServer,
  until,
  writeScenes,
} from './queue-support.js';

describeWithRedis('queue: graceful shutdown of workers and producers', () => {
  let redis: RedisServer;
  let server: ImageServer;
  let scenes: Awaited<ReturnType<typeof writeScenes>>;
  let reference: Result;
  let queueNumber = 0;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    scenes = await writeScenes(1);
    [reference] = await directResults(scenes.png);
    server = await startImageServer({ 'scene-0.png': scenes.png[0] });
  }, 120_000);

  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    if (scenes) rmSync(scenes.dir, { recursive: true, force: true });
  });

  const slow = (ms: number, tag: string): string => `${server.url}/slow/${ms}/scene-0.png?${tag}`;

  async function worker(queue: string, options: Record<string, unknown> = {}): Promise<QueueWorker> {
    const w = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, concurrency: 2, allowRoots: [scenes.dir], allowUrls: [`${server.url}/`], ...options });
    cleanup.push(() => w.close({ returnJobs: true }));
    return w;
  }

  async function producer(queue: string): Promise<QueuePredictor> {
    const p = await createQueuePredictor({ queue, redis: redis.url });
    cleanup.push(() => p.close({ abort: true }));
    return p;
  }

  async function jobCounts(queue: string) {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    const counts = await bull.getJobCounts('completed', 'failed', 'wait', 'active', 'delayed');
    await bull.close();
    connection.disconnect();
    return counts;
  }

  it('close() lets held jobs finish and takes no new one; the next worker takes what came after', async () => {
    const queue = `shutdown-${++queueNumber}`;
    const a = await worker(queue, { shutdownTimeoutMs: 10_000 });
    const predictor = await producer(queue);
    const held = [predictor.predict(slow(1_000, 'a')), predictor.predict(slow(1_000, 'b'))];
    await until(() => a.stats().active === 2, 10_000, 'two jobs held');
    const closing = a.close();
    const later = predictor.predict(scenes.paths[0]);
    await closing;
    // close() waited for both held jobs (completed, none returned) rather than timing out on them.
    for (const result of await Promise.all(held)) expect(differences(result, reference)).toEqual([]);
    expect(a.stats()).toMatchObject({ completed: 2, returned: 0, active: 0 });
    expect(await jobCounts(queue)).toMatchObject({ completed: 2, wait: 1 });
    const b = await worker(queue);
    expect(differences(await later, reference)).toEqual([]);
    expect(b.stats().completed).toBe(1);
  });

  it('past shutdownTimeoutMs, held jobs go back to the queue uncounted; another worker completes each once', async () => {
    const queue = `shutdown-${++queueNumber}`;
    const a = await worker(queue, { shutdownTimeoutMs: 300 });
    const predictor = await producer(queue);
    const paths = [slow(1_500, 'c'), slow(1_500, 'd')];
    const held = paths.map((path) => predictor.predict(path));
    await until(() => a.stats().active === 2, 10_000, 'two jobs held');
    await a.close();
    // Both 1.5 s jobs were still running at the 300 ms deadline: returned, not completed.
    expect(a.stats()).toMatchObject({ completed: 0, returned: 2, active: 0, failures: {} });
    expect(await jobCounts(queue)).toMatchObject({ wait: 2, active: 0, failed: 0 });
    const b = await worker(queue);
    for (const result of await Promise.all(held)) expect(differences(result, reference)).toEqual([]);
    expect(b.stats().completed).toBe(2);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    // Returned jobs were started twice but failed never: attemptsMade counts only the successful attempt.
    for (const job of await bull.getCompleted()) expect([job.attemptsStarted, job.attemptsMade, job.processedBy]).toEqual([2, 1, b.name]);
    await bull.close();
    connection.disconnect();
    expect(predictor.stats()).toMatchObject({ completed: 2, retried: 2, failed: 0 });
  });

  it('close({ returnJobs: true }) gives held jobs back at once', async () => {
    const queue = `shutdown-${++queueNumber}`;
    const a = await worker(queue, { shutdownTimeoutMs: 30_000 });
    const predictor = await producer(queue);
    const held = Promise.allSettled([predictor.predict(slow(5_000, 'e')), predictor.predict(slow(5_000, 'f'))]);
    await until(() => a.stats().active === 2, 10_000, 'two jobs held');
    await a.close({ returnJobs: true });
    // Returned while their 5 s runs were still going (nothing completed), not after them.
    expect(a.stats().completed).toBe(0);
    expect(a.stats().returned).toBe(2);
    expect(await jobCounts(queue)).toMatchObject({ wait: 2, active: 0 });
    await predictor.close({ abort: true });
    expect((await held).map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('yolokit worker: SIGTERM twice returns held jobs now and exits 0', async () => {
    const queue = `shutdown-${++queueNumber}`;
    const model = defaultModelSpec().model as string;
    const proc = await spawnWorker(['--queue', queue, '--redis', redis.url, '--model', model, '--workers', '1', '--concurrency', '2', '--allow-url', `${server.url}/`]);
    const predictor = await producer(queue);
    const held = Promise.allSettled([predictor.predict(slow(20_000, 'g')), predictor.predict(slow(20_000, 'h'))]);
    await until(() => predictor.stats().inFlight === 2, 10_000, 'two jobs active');
    proc.kill('SIGTERM');
    await until(() => proc.output.stderr.includes('SIGTERM: finishing held jobs'), 5_000, 'the first SIGTERM seen');
    proc.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    // Exited long before the 20 s jobs could finish: they went back to the queue (below), none completed.
    expect(proc.output.stderr).toContain('SIGTERM again: returning held jobs to the queue now');
    expect(proc.output.stdout).toMatch(/stopped: 0 completed, 0 failed attempts, 2 returned to the queue/);
    expect(await jobCounts(queue)).toMatchObject({ wait: 2, active: 0, failed: 0 });
    await predictor.close({ abort: true });
    expect((await held).map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('a producer closes by draining (results first), or with { abort: true } rejects with CLOSED and withdraws waiting jobs', async () => {
    const queue = `shutdown-${++queueNumber}`;
    const a = await worker(queue);
    const draining = await createQueuePredictor({ queue, redis: redis.url });
    const results = [draining.predict(scenes.paths[0]), draining.predict(scenes.paths[0])];
    await draining.close();
    for (const result of await Promise.all(results)) expect(differences(result, reference)).toEqual([]);
    await expect(draining.predict(scenes.paths[0])).rejects.toMatchObject({ code: 'CLOSED' });

    await a.close();
    const aborting = await createQueuePredictor({ queue, redis: redis.url });
    const waiting = Promise.allSettled([aborting.predict(scenes.paths[0]), aborting.predict(scenes.paths[0]), aborting.predict(scenes.paths[0])]);
    await until(() => aborting.stats().queued === 3, 5_000, 'three jobs enqueued');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await jobCounts(queue)).wait).toBe(3);
    await aborting.close({ abort: true });
    const errors = (await waiting).map((o) => (o as PromiseRejectedResult).reason as YoloError);
    expect(errors.map((e) => e.code)).toEqual(['CLOSED', 'CLOSED', 'CLOSED']);
    expect(await jobCounts(queue)).toMatchObject({ wait: 0, active: 0 });
  });
});
