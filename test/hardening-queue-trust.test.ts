/**
 * Issue 15, finding 3: a queue worker reads what its jobs name only where it was told it may. Job data comes from
 * whoever can write to the Redis, so by default a worker reads no path and fetches no URL named in a job (bytes
 * sent in the job still work); with allowed roots it reads files whose real path lies inside one (no escape by
 * `..` or a symbolic link), with allowed URL prefixes it downloads under them (each redirect checked again). A
 * refusal is SOURCE_NOT_ALLOWED, not retried, with one message whether the file exists or not and whatever the
 * endpoint would have answered. Also finding 6's and 7's queue parts: an oversized job is refused from its length,
 * a dead letter keeps its error but not its image bytes, and a body that stalls is an image error, not retried.
 * Real redis-server, real HTTP servers on 127.0.0.1, the real default model.
 */
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '@yolokit/core';
import { createQueuePredictor, createQueueWorker, isJobError, type JobError, type QueuePredictor } from '@yolokit/queue';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  defaultModelSpec,
  describeWithRedis,
  differences,
  directResults,
  type RedisServer,
  spawnWorker,
  startRedisServer,
  type WorkerProcess,
  writeScenes,
} from './queue-support.js';

/** An HTTP server on 127.0.0.1 counting its requests; `routes` answer by path. */
async function startServer(routes: (path: string, response: import('node:http').ServerResponse, base: string) => void) {
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    routes(path, response, base);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: base,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}

describeWithRedis('hardening: what a queue worker may read for a job', () => {
  let redis: RedisServer;
  let scenes: Awaited<ReturnType<typeof writeScenes>>;
  let reference: Result[];
  let base: string;
  let root: string;
  let internal: Awaited<ReturnType<typeof startServer>>;
  let images: Awaited<ReturnType<typeof startServer>>;
  let queueNumber = 0;
  const open: Array<{ close: () => Promise<void> }> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    scenes = await writeScenes(1);
    reference = await directResults(scenes.png);
    // base/root/scene.png (allowed), base/outside.png (a real image outside the root), root/escape -> base,
    // root/passwd -> /etc/passwd.
    base = realpathSync(mkdtempSync(join(tmpdir(), 'yolokit-trust-')));
    root = join(base, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'scene.png'), scenes.png[0]);
    writeFileSync(join(base, 'outside.png'), scenes.png[0]);
    symlinkSync(base, join(root, 'escape'));
    symlinkSync('/etc/passwd', join(root, 'passwd'));
    // "Internal": an endpoint a job must not reach (another port on the worker's own loopback).
    internal = await startServer((_path, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('internal secret'));
    images = await startServer((path, response) => {
      if (path === '/images/scene.png') response.writeHead(200, { 'content-length': scenes.png[0].byteLength }).end(scenes.png[0]);
      else if (path === '/images/moved.png') response.writeHead(302, { location: '/images/scene.png' }).end();
      else if (path === '/images/to-internal.png') response.writeHead(302, { location: `${internal.url}/secret` }).end();
      else if (path === '/images/stalls.png') {
        // Headers and half the body, then nothing: a download that never finishes.
        response.writeHead(200, { 'content-length': scenes.png[0].byteLength });
        response.write(scenes.png[0].subarray(0, scenes.png[0].byteLength >> 1));
      } else response.writeHead(404).end('not found');
    });
  }, 120_000);

  afterEach(async () => {
    for (const item of open.splice(0).reverse()) await item.close();
  });

  afterAll(async () => {
    await images?.close();
    await internal?.close();
    await redis?.stop();
    if (scenes) rmSync(scenes.dir, { recursive: true, force: true });
    if (base) rmSync(base, { recursive: true, force: true });
  });

  /** A worker (one instance) and a producer that would retry a transient failure twice, 50 ms apart. */
  async function setUp(workerOptions: Record<string, unknown> = {}) {
    const queue = `trust-${++queueNumber}`;
    const worker = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, threadsPerWorker: 1, ...workerOptions });
    open.push(worker);
    const predictor = await createQueuePredictor({ queue, redis: redis.url, attempts: 3, backoff: { type: 'fixed', delayMs: 50 } });
    open.push(predictor);
    return { queue, worker, predictor };
  }

  async function failure(predictor: QueuePredictor, image: string): Promise<JobError> {
    const error = await predictor.predict(image).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isJobError(error), `${image} was predicted`).toBe(true);
    return error as JobError;
  }

  /** Enqueues raw job data, as any client of the Redis can, and waits until the job failed or completed. */
  async function rawJob(queue: string, data: unknown): Promise<Job> {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    try {
      const added = await bull.add('predict', data, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
      for (let polls = 0; polls < 600; polls++) {
        const job = await bull.getJob(added.id as string);
        if (job?.finishedOn !== undefined) return job;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`job ${added.id} did not finish within 30 s`);
    } finally {
      await bull.close();
      connection.disconnect();
    }
  }

  const refusal = { name: 'SourceNotAllowedError', code: 'SOURCE_NOT_ALLOWED', attemptsMade: 1 };

  it('by default: no path, no file: URL, no http URL, whatever the job names; bytes still work', async () => {
    const { predictor } = await setUp();
    const refused = ['/etc/shadow', '/etc/passwd', join(root, 'scene.png'), 'file:///proc/self/environ', `${internal.url}/`, `${images.url}/images/scene.png`];
    const messages = new Set<string>();
    for (const image of refused) {
      const error = await failure(predictor, image);
      expect(error, image).toMatchObject({ ...refusal, kind: image.startsWith('http') ? 'url' : 'path' });
      messages.add(error.message);
    }
    // One message per kind: nothing about the file or the endpoint.
    expect([...messages].sort()).toEqual([
      "image URL not allowed: this worker fetches only URLs under its allowed prefixes (createQueueWorker's allowUrls, yolokit worker --allow-url PREFIX); send the image's bytes, or start the worker with a prefix that holds it",
      "image path not allowed: this worker reads only paths under its allowed roots (createQueueWorker's allowRoots, yolokit worker --allow-root DIR); send the image's bytes, or start the worker with a root that holds it",
    ]);
    expect(internal.requests).toEqual([]);
    expect(images.requests).toEqual([]);
    expect(differences(await predictor.predict(scenes.png[0]), reference[0])).toEqual([]);
  }, 120_000);

  it('a relative path in raw job data (../../etc/passwd) is refused, not retried', async () => {
    const { queue } = await setUp({ allowRoots: [root] });
    const job = await rawJob(queue, { v: 1, image: { kind: 'path', path: '../../etc/passwd' } });
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^SOURCE_NOT_ALLOWED: image path not allowed/);
  }, 120_000);

  it('with an allowed root: files inside it are read; .., a symbolic link out and a missing or existing file outside are refused alike', async () => {
    const { predictor } = await setUp({ allowRoots: [root] });
    expect(differences(await predictor.predict(join(root, 'scene.png')), reference[0])).toEqual([]);
    expect(differences(await predictor.predict(`file://${join(root, 'scene.png')}`), reference[0])).toEqual([]);
    const outside = [join(base, 'outside.png'), join(base, 'missing.png'), join(root, '..', 'outside.png'), join(root, 'escape', 'outside.png'), join(root, 'passwd'), '/etc/shadow'];
    const messages = new Set<string>();
    for (const image of outside) {
      const error = await failure(predictor, image);
      expect(error, image).toMatchObject({ ...refusal, kind: 'path' });
      messages.add(error.message);
    }
    expect(messages.size).toBe(1);
    // Inside the root a missing file is simply missing.
    expect(await failure(predictor, join(root, 'missing.png'))).toMatchObject({ code: 'IMAGE_UNREADABLE', attemptsMade: 1 });
  }, 120_000);

  it('with an allowed prefix: URLs under it are downloaded, a redirect inside it followed, a redirect out refused before it is requested', async () => {
    const { predictor } = await setUp({ allowUrls: [`${images.url}/images/`], fetchTimeoutMs: 2_000 });
    expect(differences(await predictor.predict(`${images.url}/images/scene.png`), reference[0])).toEqual([]);
    expect(differences(await predictor.predict(`${images.url}/images/moved.png`), reference[0])).toEqual([]);
    expect(await failure(predictor, `${images.url}/images/to-internal.png`)).toMatchObject({ ...refusal, kind: 'url' });
    expect(await failure(predictor, `${images.url}/other/scene.png`)).toMatchObject({ ...refusal, kind: 'url' });
    expect(await failure(predictor, `${internal.url}/images/scene.png`)).toMatchObject({ ...refusal, kind: 'url' });
    expect(internal.requests).toEqual([]);
    // A body that stops coming is an image error after fetchTimeoutMs, and not retried.
    const stalled = await failure(predictor, `${images.url}/images/stalls.png`);
    expect(stalled).toMatchObject({ name: 'ImageFetchError', code: 'IMAGE_UNREADABLE', retryable: false, attemptsMade: 1 });
    expect(stalled.message).toContain('did not finish within 2000 ms');
    expect(images.requests.filter((path) => path === '/images/stalls.png')).toHaveLength(1);
  }, 120_000);

  it('an oversized job is refused from its length before decoding; the dead letter keeps its error, not its image', async () => {
    const { queue } = await setUp({ maxImageBytes: 1_000 });
    const base64 = Buffer.alloc(30_000, 7).toString('base64');
    const job = await rawJob(queue, { v: 1, image: { kind: 'bytes', base64 } });
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe(
      "INVALID_OPTION: the job's image is 30000 bytes, more than maxImageBytes=1000: images sent by value travel through Redis inside the job. Put the image on storage the workers share and pass its path or URL instead, or raise maxImageBytes (on the producer and on the workers)",
    );
    expect(job.data).toEqual({ v: 1, image: { kind: 'bytes', base64: '', droppedBytes: 30_000 } });
  }, 120_000);

  it('a job BullMQ fails by itself (stalled more than maxStalledCount: its worker died holding it) keeps no image bytes either', async () => {
    const queue = `trust-${++queueNumber}`;
    const base64 = Buffer.from(scenes.png[0]).toString('base64');
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const bull = new Queue(queue, { connection, prefix: 'yolokit' });
    // The worker that dies: it takes the job and never renews its lock, which is what a SIGKILLed worker leaves in
    // Redis. Its maxStalledCount of 0 makes the first stall final: BullMQ marks the job to be failed (`defa`) and
    // puts it back in line; whichever worker takes it next fails it without running its processor.
    const dying = new Worker(queue, null, { connection: connection.duplicate(), prefix: 'yolokit', lockDuration: 200, stalledInterval: 100, maxStalledCount: 0, autorun: false });
    try {
      const added = await bull.add('predict', { v: 1, image: { kind: 'bytes', base64 } }, { attempts: 3 });
      expect((await dying.getNextJob('dying-worker'))?.id).toBe(added.id);
      // BullMQ's stalled check (as every worker of the queue runs it), every 100 ms: the first run marks the active
      // job, a later one finds its lock expired and puts it back with its deferred failure.
      void dying.startStalledCheckTimer();
      for (let checks = 0; (await bull.getJobState(added.id as string)) !== 'waiting'; checks++) {
        if (checks > 300) throw new Error('the stalled job was not put back in line within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await dying.close();
      const key = `yolokit:${queue}:${added.id}`;
      expect(await connection.hget(key, 'defa')).toBe('job stalled more than allowable limit');
      expect(await connection.hstrlen(key, 'data')).toBeGreaterThan(base64.length);

      const worker = await createQueueWorker({ queue, redis: redis.url, model: defaultModelSpec(), workers: 1, threadsPerWorker: 1 });
      open.push(worker);
      // Failed by BullMQ when the worker takes it; its data is rewritten just after (the worker's 'failed' event).
      let data = '';
      for (let polls = 0; polls < 300; polls++) {
        data = (await connection.hget(key, 'data')) ?? '';
        if ((await bull.getJobState(added.id as string)) === 'failed' && !data.includes(base64.slice(0, 100))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await bull.getJobState(added.id as string)).toBe('failed');
      expect(await connection.hget(key, 'failedReason')).toBe('job stalled more than allowable limit');
      expect(JSON.parse(data)).toEqual({ v: 1, image: { kind: 'bytes', base64: '', droppedBytes: scenes.png[0].byteLength } });
      expect(worker.stats().completed).toBe(0);
    } finally {
      await dying.close();
      await bull.close();
      connection.disconnect();
    }
  }, 120_000);

  it("the model spec's createOptions.maxImageBytes reaches every instance: a file over it is refused by the reader", async () => {
    const { predictor } = await setUp({ allowRoots: [root], model: { ...defaultModelSpec(), createOptions: { maxImageBytes: 1_000 } } });
    const error = await failure(predictor, join(root, 'scene.png'));
    expect(error).toMatchObject({ code: 'IMAGE_UNREADABLE', attemptsMade: 1 });
    expect(error.message).toContain(`it is ${scenes.png[0].byteLength} bytes`);
    expect(error.message).toContain('more than the limit of 1000 bytes');
  }, 120_000);

  it('yolokit worker --allow-root DIR --allow-url PREFIX: what is under them is read, the rest refused', async () => {
    const queue = `trust-cli-${++queueNumber}`;
    const workers: WorkerProcess[] = [];
    try {
      const common = ['--queue', queue, '--redis', redis.url, '--model', defaultModelSpec().model as string, '--workers', '1', '--threads-per-worker', '1'];
      workers.push(await spawnWorker([...common, '--allow-root', root, '--allow-url', `${images.url}/images/`]));
      const predictor = await createQueuePredictor({ queue, redis: redis.url, attempts: 1 });
      open.push(predictor);
      expect(differences(await predictor.predict(join(root, 'scene.png')), reference[0])).toEqual([]);
      expect(differences(await predictor.predict(`${images.url}/images/scene.png`), reference[0])).toEqual([]);
      expect(await failure(predictor, join(base, 'outside.png'))).toMatchObject({ ...refusal, kind: 'path' });
      expect(await failure(predictor, `${internal.url}/`)).toMatchObject({ ...refusal, kind: 'url' });
      expect(workers[0].output.stderr).toContain('failed: SOURCE_NOT_ALLOWED: image path not allowed');
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
    }
  }, 180_000);
});
