import { type ImageInput, Result } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { QueueFullError } from './errors.js';
import type { Executor, WorkerInfo } from './executor.js';
import { Scheduler } from './scheduler.js';

/** An executor whose tasks settle when the test says; it records what each execute received. */
class HeldExecutor implements Executor<{ jobId: string } | undefined> {
  readonly calls: Array<{ image: ImageInput; call: { jobId: string } | undefined; signal: AbortSignal; finish: () => void }> = [];
  constructor(readonly concurrency: number) {}
  async start(): Promise<void> {}
  execute(image: ImageInput, _options: unknown, signal: AbortSignal, call: { jobId: string } | undefined): Promise<Result> {
    return new Promise((resolve, reject) => {
      const finish = () => resolve(new Result({ width: 4, height: 3, task: 'detect', speed: { preprocess: 0, inference: 0, postprocess: 0 }, detections: [] }));
      // Like the queue's executor: the caller stopped waiting, so the slot is free at once.
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.calls.push({ image, call, signal, finish });
    });
  }
  workers(): WorkerInfo[] {
    return [];
  }
  info() {
    return undefined;
  }
  async close(): Promise<void> {}
}

describe('Scheduler: what the queue strategy relies on', () => {
  it("hands each task's call data to the executor", async () => {
    const executor = new HeldExecutor(2);
    const scheduler = new Scheduler(executor, { maxQueue: 0, taskTimeoutMs: Number.POSITIVE_INFINITY, retryOnWorkerDeath: false });
    const a = scheduler.submit('a.jpg', undefined, undefined, { jobId: 'job-a' });
    const b = scheduler.submit('b.jpg', undefined, undefined);
    expect(executor.calls.map((c) => [c.image, c.call])).toEqual([
      ['a.jpg', { jobId: 'job-a' }],
      ['b.jpg', undefined],
    ]);
    for (const c of executor.calls) c.finish();
    expect((await a).width).toBe(4);
    expect((await b).height).toBe(3);
  });

  it("with maxQueue 0, the executor's concurrency is the bound; fullError names the limit the caller set", async () => {
    const executor = new HeldExecutor(2);
    const scheduler = new Scheduler(executor, { maxQueue: 0, taskTimeoutMs: Number.POSITIVE_INFINITY, retryOnWorkerDeath: false, fullError: () => new QueueFullError(2) });
    const held = [scheduler.submit('a.jpg', undefined, undefined), scheduler.submit('b.jpg', undefined, undefined)];
    const error = await scheduler.submit('c.jpg', undefined, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as QueueFullError).maxQueue).toBe(2);
    expect(scheduler.stats()).toMatchObject({ inFlight: 2, queued: 0, failed: 1, failures: { QUEUE_FULL: 1 } });
    // submitWhenRoom waits instead, and goes as soon as a slot frees.
    const waiting = scheduler.submitWhenRoom('d.jpg', undefined, undefined, { jobId: 'd' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(executor.calls).toHaveLength(2);
    executor.calls[0].finish();
    await held[0];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(executor.calls.map((c) => c.call)).toEqual([undefined, undefined, { jobId: 'd' }]);
    executor.calls[1].finish();
    executor.calls[2].finish();
    await Promise.all([held[1], waiting]);
  });

  it("a timeout rejects the caller and aborts the executor's signal with the same error", async () => {
    const executor = new HeldExecutor(1);
    const scheduler = new Scheduler(executor, { maxQueue: 0, taskTimeoutMs: 20, retryOnWorkerDeath: false });
    const error = await scheduler.submit('a.jpg', undefined, undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 20 });
    expect(executor.calls[0].signal.reason).toBe(error);
    expect(scheduler.stats()).toMatchObject({ inFlight: 0, failed: 1, failures: { TIMEOUT: 1 } });
  });
});
