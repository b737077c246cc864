import { BackendUnavailableError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import type { Predictor } from './predictor.js';
import { openQueueStrategy, QUEUE_PACKAGE, type QueueStrategyRequest } from './queue-strategy.js';

const request: QueueStrategyRequest = {
  queue: { name: 'detect', redis: 'redis://127.0.0.1:6379' },
  model: undefined,
  workers: undefined,
  threadsPerWorker: undefined,
  maxQueue: 1024,
  taskTimeoutMs: Number.POSITIVE_INFINITY,
};

describe("strategy 'queue' loads @yolokit/queue when asked for", () => {
  it('imports the package by name and hands it the request', async () => {
    const predictor = { strategy: 'queue' } as unknown as Predictor;
    const seen: Array<{ specifier: string; request?: QueueStrategyRequest }> = [];
    const opened = await openQueueStrategy(request, async (specifier) => {
      seen.push({ specifier });
      return {
        openQueueStrategy: async (given: QueueStrategyRequest) => {
          seen.push({ specifier, request: given });
          return predictor;
        },
      };
    });
    expect(opened).toBe(predictor);
    expect(seen).toEqual([{ specifier: '@yolokit/queue' }, { specifier: '@yolokit/queue', request }]);
  });

  it('a package that is not installed is BACKEND_UNAVAILABLE naming what to install', async () => {
    const missing = Object.assign(new Error("Cannot find package '@yolokit/queue' imported from /app/node_modules/@yolokit/concurrency/dist/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const error = await openQueueStrategy(request, () => Promise.reject(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error).toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      cause: missing,
      message: `strategy 'queue' needs the package ${QUEUE_PACKAGE}, which could not be loaded (${missing.message}); install it beside @yolokit/concurrency: npm install @yolokit/queue`,
    });
  });

  it('a version without the strategy is BACKEND_UNAVAILABLE too', async () => {
    const error = await openQueueStrategy(request, async () => ({ createQueuePredictor: () => {} })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toBe(
      "strategy 'queue' needs a version of @yolokit/queue that provides openQueueStrategy (the one installed does not); install the version that matches @yolokit/concurrency",
    );
  });
});
