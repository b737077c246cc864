/**
 * Every option of the producer and of the worker is checked at the boundary, before any connection, with a
 * message that names the option and the value it got (one test per message). No Redis needed.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { createQueuePredictor, createQueueWorker, resolveQueuePredictorOptions, resolveQueueWorkerOptions } from '@yolokit/queue';
import { describe, expect, it } from 'vitest';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const redis = 'redis://127.0.0.1:1';
const model = { backend: onnxSpec(), model: '/models/yolov8n.onnx' };

function invalid(resolve: () => unknown, option: string, message: RegExp): void {
  let thrown: unknown;
  try {
    resolve();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'should throw').toBeDefined();
  expect(thrown).toMatchObject({ code: 'INVALID_OPTION', option });
  expect((thrown as Error).message).toMatch(message);
}

describe('queue producer options', () => {
  const producer = (options: Record<string, unknown>) => () => resolveQueuePredictorOptions({ queue: 'detect', redis, ...options });
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['unknown option', { workers: 2 }, 'options.workers', /options\.workers is not a queue predictor option; known options: queue, redis/],
    ['queue with a colon', { queue: 'a:b' }, 'options.queue', /options\.queue must be a queue name without spaces or ':' \(such as 'detect'\), got "a:b"/],
    ['queue missing', { queue: undefined }, 'options.queue', /options\.queue must be a queue name .* got undefined/],
    ['redis missing', { redis: undefined }, 'options.redis', /options\.redis is required: a Redis URL such as redis:\/\/127\.0\.0\.1:6379/],
    ['redis not a URL', { redis: 'localhost:6379' }, 'options.redis', /must use redis:\/\/ or rediss:\/\/ \(TLS\), got localhost:/],
    ['redis http URL', { redis: 'http://x:1' }, 'options.redis', /must use redis:\/\/ or rediss:\/\/ \(TLS\), got http:\/\//],
    ['prefix empty', { prefix: '' }, 'options.prefix', /options\.prefix must be a non-empty Redis key prefix without spaces, got ""/],
    ['imageTransport', { imageTransport: 'copy' }, 'options.imageTransport', /options\.imageTransport must be one of 'reference', 'value', got "copy"/],
    ['maxImageBytes', { maxImageBytes: 0 }, 'options.maxImageBytes', /options\.maxImageBytes must be a positive integer, got 0/],
    ['maxQueue', { maxQueue: 0 }, 'options.maxQueue', /options\.maxQueue must be a positive integer or Infinity, got 0/],
    ['taskTimeoutMs', { taskTimeoutMs: -1 }, 'options.taskTimeoutMs', /options\.taskTimeoutMs must be a positive number of milliseconds up to 2147483647, or Infinity, got -1/],
    ['attempts', { attempts: 1.5 }, 'options.attempts', /options\.attempts must be a positive integer, got 1\.5/],
    ['backoff', { backoff: { type: 'linear', delayMs: 10 } }, 'options.backoff', /options\.backoff must be \{ type: 'exponential' \| 'fixed', delayMs: non-negative integer \}/],
    ['keepResults', { keepResults: { age: 10 } }, 'options.keepResults', /options\.keepResults must be true, false or \{ ageSeconds\?, count\? \}/],
    ['keepFailed', { keepFailed: 'forever' }, 'options.keepFailed', /options\.keepFailed must be true, false or \{ ageSeconds\?, count\? \}/],
    ['resubmitLostJobs', { resubmitLostJobs: 'yes' }, 'options.resubmitLostJobs', /options\.resubmitLostJobs must be a boolean, got "yes"/],
    ['maxResubmits', { maxResubmits: 0 }, 'options.maxResubmits', /options\.maxResubmits must be a positive integer, got 0/],
    ['connectTimeoutMs', { connectTimeoutMs: 0 }, 'options.connectTimeoutMs', /options\.connectTimeoutMs must be a positive number of milliseconds/],
    ['connectionLostTimeoutMs', { connectionLostTimeoutMs: Number.POSITIVE_INFINITY }, 'options.connectionLostTimeoutMs', /up to 2147483647, got Infinity/],
    ['reconcileIntervalMs', { reconcileIntervalMs: 'often' }, 'options.reconcileIntervalMs', /options\.reconcileIntervalMs must be a positive number of milliseconds/],
  ];
  for (const [name, options, option, message] of cases) {
    it(`${name}: ${message.source.slice(0, 60)}`, () => invalid(producer(options), option, message));
  }

  it('not an object', () => invalid(() => resolveQueuePredictorOptions('detect'), 'options', /createQueuePredictor\(options\): options must be an object \{ queue, redis, \.\.\. \}, got "detect"/));

  it('defaults', () => {
    expect(resolveQueuePredictorOptions({ queue: 'detect', redis })).toEqual({
      queue: 'detect',
      redis,
      prefix: 'yolokit',
      imageTransport: 'reference',
      maxImageBytes: 8 * 1024 * 1024,
      maxQueue: 1024,
      taskTimeoutMs: Number.POSITIVE_INFINITY,
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 1_000 },
      keepResults: { ageSeconds: 3600 },
      keepFailed: { ageSeconds: 604_800 },
      resubmitLostJobs: true,
      maxResubmits: 3,
      connectTimeoutMs: 10_000,
      connectionLostTimeoutMs: 30_000,
      reconcileIntervalMs: 5_000,
    });
  });

  it('createQueuePredictor rejects a bad option before connecting (a listening server sees no connection)', async () => {
    const connections: Socket[] = [];
    const server = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(createQueuePredictor({ queue: 'detect', redis: `redis://127.0.0.1:${port}`, attempts: 0 })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        option: 'options.attempts',
      });
      expect(connections.length).toBe(0);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('createQueuePredictor against no Redis: QueueConnectionError (BACKEND_UNAVAILABLE) after connectTimeoutMs, password hidden', async () => {
    const error = await createQueuePredictor({ queue: 'detect', redis: 'redis://user:secret@127.0.0.1:1', connectTimeoutMs: 300 }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'QueueConnectionError', code: 'BACKEND_UNAVAILABLE', redis: 'redis://user:***@127.0.0.1:1' });
    expect((error as Error).message).not.toContain('secret');
  });
});

describe('queue worker options', () => {
  const worker = (options: Record<string, unknown>) => () => resolveQueueWorkerOptions({ queue: 'detect', redis, model, ...options });
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['unknown option', { maxQueue: 3 }, 'options.maxQueue', /options\.maxQueue is not a queue worker option; known options: queue, redis, model/],
    ['model not a spec', { model: 'yolov8n.onnx' }, 'options.model', /options\.model must be a model spec \{ backend: \{ module, export\?, options\? \}, model \}, got "yolov8n\.onnx"/],
    ['strategy', { strategy: 'locked' }, 'options.strategy', /options\.strategy must be one of 'threads', 'processes', got "locked"/],
    ['workers', { workers: 0 }, 'options.workers', /options\.workers must be a positive integer, got 0/],
    ['threadsPerWorker', { threadsPerWorker: -2 }, 'options.threadsPerWorker', /options\.threadsPerWorker must be a positive integer, got -2/],
    ['concurrency', { concurrency: 2.5 }, 'options.concurrency', /options\.concurrency must be a positive integer, got 2\.5/],
    ['name with a space', { name: 'my worker' }, 'options.name', /options\.name must be a non-empty name without spaces, got "my worker"/],
    ['lockDurationMs', { lockDurationMs: 0 }, 'options.lockDurationMs', /options\.lockDurationMs must be a positive number of milliseconds/],
    ['stalledIntervalMs', { stalledIntervalMs: '1s' }, 'options.stalledIntervalMs', /options\.stalledIntervalMs must be a positive number of milliseconds .* got "1s"/],
    ['maxStalledCount', { maxStalledCount: 0 }, 'options.maxStalledCount', /options\.maxStalledCount must be a positive integer, got 0/],
    ['maxImageBytes', { maxImageBytes: -1 }, 'options.maxImageBytes', /options\.maxImageBytes must be a positive integer, got -1/],
    ['fetchTimeoutMs', { fetchTimeoutMs: 0 }, 'options.fetchTimeoutMs', /options\.fetchTimeoutMs must be a positive number of milliseconds/],
    ['shutdownTimeoutMs', { shutdownTimeoutMs: Number.NaN }, 'options.shutdownTimeoutMs', /options\.shutdownTimeoutMs must be a positive number of milliseconds .* got NaN/],
    ['onEvent', { onEvent: 'log' }, 'options.onEvent', /options\.onEvent must be a function, got "log"/],
    ['announce', { announce: 1 }, 'options.announce', /options\.announce must be a boolean, got 1/],
  ];
  for (const [name, options, option, message] of cases) {
    it(`${name}: ${message.source.slice(0, 60)}`, () => invalid(worker(options), option, message));
  }

  it('createQueueWorker rejects a bad option before loading any model (the missing model file is never looked at)', async () => {
    // The same model alone rejects with MODEL_NOT_FOUND (next test): INVALID_OPTION here means validation came first.
    await expect(createQueueWorker({ queue: 'detect', redis, model, strategy: 'locked' as never })).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'options.strategy' });
  });

  it('createQueueWorker with a model that cannot load rejects with its typed error, before touching Redis', async () => {
    await expect(createQueueWorker({ queue: 'detect', redis, model })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
