import { availableParallelism } from 'node:os';
import { SHARE_ENV, type Worker } from 'node:worker_threads';
import { deserializeError, type ImageInput, type ModelInfo, Result } from '@yolokit/core';
import { Piscina } from 'piscina';
import { WorkerDiedError } from './errors.js';
import type { Executor, WorkerInfo } from './executor.js';
import type { ModelSpec } from './model-spec.js';
import type { ThreadReply, ThreadRequest } from './thread-worker.js';
import { toWireImage, type WireOptions } from './wire.js';

/** Where the built worker entry is: beside this file in `dist/` (ESM, also used by the CJS build). */
export function threadWorkerUrl(): URL {
  return new URL('./thread-worker.js', import.meta.url);
}

/**
 * `threads`: one model instance per worker thread, run by a fixed-size piscina pool (min = max = workers, no
 * idle timeout, so models load once and stay warm). Image bytes are transferred, not copied. Cancelling a
 * running task is cooperative (a shared flag the worker's model checks between stages), so a cancel never
 * throws away a warm model.
 * @internal
 */
export class ThreadExecutor implements Executor {
  readonly concurrency: number;
  readonly #spec: ModelSpec;
  readonly #transfer: boolean;
  #pool: Piscina<ThreadRequest, ThreadReply> | undefined;
  /** Every worker thread the pool ever started, until it has exited. */
  readonly #live = new Map<Worker, number>();
  readonly #exited: Promise<void>[] = [];
  #info: ModelInfo | undefined;
  #deaths = 0;

  constructor(config: { spec: ModelSpec; workers: number; transferImages: boolean }) {
    this.#spec = config.spec;
    this.concurrency = config.workers;
    this.#transfer = config.transferImages;
  }

  async start(): Promise<void> {
    const pool = new Piscina<ThreadRequest, ThreadReply>({
      filename: threadWorkerUrl().href,
      minThreads: this.concurrency,
      maxThreads: this.concurrency,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Our scheduler queues; piscina only ever gets as many tasks as there are workers.
      maxQueue: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      workerData: { spec: this.#spec },
      // The process's environment, not a copy: native runtimes read only that one, so a backend's settings made
      // through process.env in a worker (onnxruntime's ORT_DISABLE_TELEMETRY) must land there to take effect.
      env: SHARE_ENV,
      recordTiming: false,
      // A worker thread inherits the process's libuv pool; the model's own threads are budgeted by the spec.
      niceIncrement: 0,
    });
    this.#pool = pool;
    const track = (): void => {
      for (const worker of pool.threads) {
        if (this.#live.has(worker)) continue;
        this.#live.set(worker, worker.threadId);
        this.#exited.push(
          new Promise<void>((resolve) => {
            worker.once('exit', () => {
              // Not closing (close() drops the pool first): the thread died, idle or busy; piscina replaces it.
              if (this.#pool === pool) this.#deaths += 1;
              this.#live.delete(worker);
              resolve();
            });
          }),
        );
      }
    };
    pool.on('workerCreate', track);
    // Without a listener, an 'error' event (a worker failing outside a task) would crash the process.
    pool.on('error', () => {});
    track();
    try {
      // One hello per worker: each resolves when that worker's model is loaded (or failed to load).
      const hellos = await Promise.all(Array.from({ length: this.concurrency }, () => pool.run({ type: 'hello' })));
      track();
      const failed = hellos.find((reply) => !reply.ok);
      if (failed && !failed.ok) throw deserializeError(failed.error);
      const hello = hellos.find((reply) => 'hello' in reply);
      this.#info = hello && 'hello' in hello ? hello.hello.info : undefined;
    } catch (error) {
      await this.close('abort');
      throw loadFailure(error);
    }
  }

  async execute(image: ImageInput, options: WireOptions | undefined, signal: AbortSignal): Promise<Result> {
    const pool = this.#pool!;
    const { image: wireImage, transferList } = toWireImage(image, this.#transfer);
    const control = new Int32Array(new SharedArrayBuffer(8));
    const cancel = (): void => {
      if (Atomics.compareExchange(control, 0, 0, 1) === 0) Atomics.notify(control, 0);
    };
    signal.addEventListener('abort', cancel, { once: true });
    let reply: ThreadReply;
    try {
      reply = await pool.run({ type: 'predict', task: { image: wireImage, options }, control }, { transferList });
    } catch (error) {
      // The handler never throws (failures are replies), so a rejection here means the thread itself died.
      throw new WorkerDiedError('thread', Atomics.load(control, 1), (error as Error).message, { cause: error });
    } finally {
      signal.removeEventListener('abort', cancel);
    }
    if (!reply.ok) throw deserializeError(reply.error);
    if (!('result' in reply)) throw new Error('unexpected reply to a predict request');
    return Result.fromWire(reply.result);
  }

  info(): ModelInfo | undefined {
    return this.#info;
  }

  workers(): WorkerInfo[] {
    return [...this.#live.values()].map((id) => ({ kind: 'thread', id }));
  }

  workerDeaths(): number {
    return this.#deaths;
  }

  async close(mode: 'drain' | 'abort' = 'abort'): Promise<void> {
    const pool = this.#pool;
    if (!pool) return;
    this.#pool = undefined;
    if (mode === 'drain') {
      // Release each runtime session through its own dispose() before its thread goes, rather than leaving
      // it to thread teardown (the backend may hold resources that teardown does not know about).
      const barrier = new Int32Array(new SharedArrayBuffer(4));
      const count = pool.threads.length;
      const disposals = Array.from({ length: count }, () => pool.run({ type: 'dispose', barrier, count }).catch(() => undefined));
      await Promise.race([Promise.all(disposals), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    }
    // The scheduler has drained (or abandoned) every task; destroy() terminates the threads.
    await pool.destroy();
    await Promise.all(this.#exited);
  }
}

/** The default worker count: as many single-threaded instances as there are cores. */
export function defaultWorkerCount(threadsPerWorker: number): number {
  return Math.max(1, Math.floor(availableParallelism() / threadsPerWorker));
}

function loadFailure(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && 'code' in error) return error;
  return new WorkerDiedError('thread', 0, `a worker thread failed while loading the model: ${(error as Error).message}`, { cause: error });
}
