import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { ModelSpec } from '@yolokit/concurrency';
import type { Float32Tensor } from '@yolokit/core';

/**
 * The bare `session.run` baseline: `workers` worker threads, each with its own session (loaded from the same
 * spec, so with the same runtime and intra-op threads as the strategy it is compared with), each running one
 * ready tensor back to back. No decoding, letterbox, NMS, queue or transfer: what the runtime alone delivers at
 * that parallelism.
 *
 * The worker's source is evaluated (`eval: true`) rather than shipped as an entry file: it is a dozen lines of
 * bench-only code that imports `@yolokit/concurrency`'s own loader by absolute URL, and it keeps the CLI's
 * public build entries unchanged.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let model;
const tensor = { data: workerData.tensor, dims: workerData.dims };
const fail = (error) => parentPort.postMessage({ type: 'failed', message: String((error && error.message) || error) });
import(workerData.concurrencyUrl)
  .then(({ loadModelFromSpec }) => loadModelFromSpec(workerData.spec))
  .then((loaded) => {
    model = loaded;
    parentPort.postMessage({ type: 'ready', runtime: model.info.runtime });
  }, fail);
parentPort.on('message', async (message) => {
  try {
    if (message.type === 'run') {
      const latencies = [];
      while (Atomics.load(message.control, 1) === 0 && Atomics.add(message.control, 0, 1) < message.limit) {
        const t0 = performance.now();
        await model.session.run(tensor);
        latencies.push(performance.now() - t0);
      }
      parentPort.postMessage({ type: 'done', latencies });
    } else if (message.type === 'close') {
      if (model) await model.dispose();
      parentPort.postMessage({ type: 'closed' });
    }
  } catch (error) {
    fail(error);
  }
});
`;

type WorkerMessage =
  | { type: 'ready'; runtime: string }
  | { type: 'failed'; message: string }
  | { type: 'done'; latencies: number[] }
  | { type: 'closed' };

/** What one bare run measured. */
export interface BareRunSample {
  readonly completed: number;
  readonly wallMs: number;
  /** `session.run` times, ms, every worker's. */
  readonly latencies: number[];
}

export class BareRunPool {
  readonly #workers: Worker[];
  readonly runtime: string;

  private constructor(workers: Worker[], runtime: string) {
    this.#workers = workers;
    this.runtime = runtime;
  }

  /** Starts `workers` threads and loads a session in each; rejects with the first load failure. */
  static async open(config: { spec: ModelSpec; workers: number; tensor: Float32Tensor }): Promise<BareRunPool> {
    const concurrencyUrl = esmEntryUrl('@yolokit/concurrency');
    const workers: Worker[] = [];
    try {
      const runtimes = await Promise.all(
        Array.from({ length: config.workers }, () => {
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            // As @yolokit/concurrency's pool: the process's environment, which native runtimes read.
            env: SHARE_ENV,
            workerData: { spec: config.spec, concurrencyUrl, tensor: config.tensor.data, dims: config.tensor.dims },
          });
          workers.push(worker);
          return reply(worker, 'ready').then((message) => message.runtime);
        }),
      );
      return new BareRunPool(workers, runtimes[0]);
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
  }

  /**
   * Runs the tensor in every worker until `requests` runs have been done in all, or until `durationMs` has
   * passed (runs in progress then finish and count).
   */
  async run(limit: { requests?: number; durationMs?: number }): Promise<BareRunSample> {
    // [0]: runs claimed so far, [1]: 1 when the time is up.
    const control = new Int32Array(new SharedArrayBuffer(8));
    const started = performance.now();
    const timer = limit.durationMs === undefined ? undefined : setTimeout(() => Atomics.store(control, 1, 1), limit.durationMs);
    try {
      const replies = await Promise.all(
        this.#workers.map((worker) => {
          const done = reply(worker, 'done');
          worker.postMessage({ type: 'run', control, limit: limit.requests ?? 2 ** 31 - 1 });
          return done;
        }),
      );
      const latencies = replies.flatMap((message) => message.latencies);
      return { completed: latencies.length, wallMs: performance.now() - started, latencies };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Disposes every session and stops the threads. */
  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (worker) => {
        const closed = reply(worker, 'closed').catch(() => undefined);
        worker.postMessage({ type: 'close' });
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        await worker.terminate();
      }),
    );
  }
}

function reply<T extends WorkerMessage['type']>(worker: Worker, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<WorkerMessage, { type: T }>);
      } else if (message.type === 'failed') {
        cleanup();
        reject(new Error(`bare session.run worker: ${message.message}`));
      }
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`bare session.run worker exited with code ${code}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** The `file:` URL of a package's ESM entry, as this package resolves it (works from the CJS build too). */
export function esmEntryUrl(name: string): string {
  const manifestPath = createRequire(import.meta.url).resolve(`${name}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { module?: string; exports?: { '.': { import?: { default?: string } } } };
  const entry = manifest.exports?.['.']?.import?.default ?? manifest.module ?? 'index.js';
  return pathToFileURL(join(dirname(manifestPath), entry)).href;
}
