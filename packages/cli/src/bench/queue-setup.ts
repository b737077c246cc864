import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Predictor } from '@yolokit/concurrency';
import { BackendUnavailableError } from '@yolokit/core';
import type { BackendName } from '../image-predictor.js';
import { waitUntilReady } from './child-ready.js';
import { killOnExit, stopChild } from './private-redis.js';
import { withDescendants } from './process-metrics.js';

type QueueModule = typeof import('@yolokit/queue');
type CreatePredictor = (typeof import('@yolokit/concurrency'))['createPredictor'];

/** The BullMQ key prefix of every queue the bench makes: its keys in a Redis of yours are `yolokit-bench:*`. */
export const BENCH_QUEUE_PREFIX = 'yolokit-bench';

/** `@yolokit/queue`, an optional peer of the CLI, or a `BackendUnavailableError` saying how to install it. */
export async function importQueue(): Promise<QueueModule> {
  try {
    return await import('@yolokit/queue');
  } catch (error) {
    throw new BackendUnavailableError(`yolokit bench --strategies queue needs @yolokit/queue: npm install @yolokit/queue (${(error as Error).message})`, [], { cause: error });
  }
}

/**
 * The `yolokit` bin the workers run: this package's own `dist/bin.js`, beside the built code that imports this
 * module (tsup puts every chunk in `dist/`).
 */
export function yolokitBin(): string {
  const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
  if (!existsSync(bin)) throw new Error(`the yolokit bin ${bin} is missing: build @yolokit/cli (npx turbo run build --filter=@yolokit/cli)`);
  return bin;
}

/** One `queue` setup, opened: its worker processes are ready and its producer is connected. */
export interface QueueSetup {
  readonly queue: string;
  /** The pids of the `yolokit worker` processes. */
  readonly workerPids: readonly number[];
  /** The producer, `createPredictor({ strategy: 'queue' })`: measured as every other setup's predictor is. */
  readonly predictor: Predictor;
  /** The worker processes and their descendants, for memory and CPU. */
  pids(): number[];
  /** Closes the producer, then stops every worker (SIGTERM, SIGKILL after 30 s) and waits for them to exit. */
  close(): Promise<void>;
}

/** What {@link openQueueSetup} starts. */
export interface QueueSetupOptions {
  /** `@yolokit/concurrency`'s: the producer is its queue strategy. */
  readonly createPredictor: CreatePredictor;
  readonly redis: string;
  /** A queue name of this setup only, so that runs do not mix. */
  readonly queue: string;
  /** `yolokit worker` processes to start. */
  readonly workers: number;
  /** Folders the workers may read images from (`--allow-root`): the bench's images are sent by path. */
  readonly allowRoots: readonly string[];
  /** Intra-op threads of the one model instance in each. */
  readonly threadsPerWorker: number;
  /** The model, an absolute path (the workers may run elsewhere than `cwd`). */
  readonly model: string;
  readonly backend: BackendName;
  readonly bin: string;
  /** How long a worker may take to load its model and print its ready line. @defaultValue 120000 */
  readonly readyTimeoutMs?: number;
}

/**
 * Opens a producer (`createPredictor({ strategy: 'queue' })`) on `queue`, then starts `workers` `yolokit worker` processes on it
 * (each `--workers 1 --threads-per-worker K`: one model instance in a worker thread of its own process) and
 * resolves once every one is ready. If any fails to start, the others and the producer are closed, and the
 * error (`BACKEND_UNAVAILABLE`) quotes what the worker said.
 */
export async function openQueueSetup(options: QueueSetupOptions): Promise<QueueSetup> {
  const args = [
    options.bin,
    'worker',
    '--queue',
    options.queue,
    '--redis',
    options.redis,
    '--prefix',
    BENCH_QUEUE_PREFIX,
    '--model',
    options.model,
    '--backend',
    options.backend,
    '--workers',
    '1',
    '--threads-per-worker',
    String(options.threadsPerWorker),
    ...options.allowRoots.flatMap((root) => ['--allow-root', root]),
    // The bench checked workers × threads of the whole setup against its own --allow-oversubscribe.
    '--allow-oversubscribe',
  ];
  // The producer first: it reaches Redis or fails with QueueConnectionError (BACKEND_UNAVAILABLE) within its
  // connect timeout, before any worker is started.
  const predictor = await options.createPredictor({
    strategy: 'queue',
    queue: {
      name: options.queue,
      redis: options.redis,
      prefix: BENCH_QUEUE_PREFIX,
      // A bench measures; a failure must fail it, not be retried out of sight.
      attempts: 1,
      keepResults: { ageSeconds: 60 },
      keepFailed: { ageSeconds: 3600 },
    },
    maxQueue: Number.POSITIVE_INFINITY,
  });
  const started = Array.from({ length: options.workers }, () => startWorker(args, options.readyTimeoutMs ?? 120_000));
  const settled = await Promise.allSettled(started);
  const workers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all([predictor.close({ abort: true }), ...workers.map((worker) => worker.stop())]);
    throw failed.reason;
  }
  const workerPids = workers.map((worker) => worker.pid);
  let closing: Promise<void> | undefined;
  return {
    queue: options.queue,
    workerPids,
    pids: () => withDescendants(workerPids),
    predictor,
    close() {
      closing ??= (async () => {
        try {
          await predictor.close({ abort: true });
        } finally {
          await Promise.all(workers.map((worker) => worker.stop()));
        }
      })();
      return closing;
    },
  };
}

interface WorkerProcess {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Spawns `node <bin> worker ...` and resolves once it prints its ready line. */
async function startWorker(args: readonly string[], readyTimeoutMs: number): Promise<WorkerProcess> {
  // The IPC channel is the worker's lifeline: if this process dies (even by SIGKILL) it closes, and the worker stops.
  const child: ChildProcess = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const unhook = killOnExit(child);
  const output = { stdout: '', stderr: '' };
  // Keep reading (a full pipe would block the worker), keep the tail for error messages.
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout = (output.stdout + chunk).slice(-4096)));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr = (output.stderr + chunk).slice(-4096)));
  const stop = async (): Promise<void> => {
    await stopChild(child, 30_000);
    unhook();
  };
  try {
    await waitUntilReady(child, () => /^worker \S+ ready:/m.test(output.stdout), readyTimeoutMs, {
      timedOut: () => `it was not ready within ${readyTimeoutMs} ms`,
      exited: (codeOrSignal) => `it exited (${codeOrSignal}) before it was ready`,
    });
  } catch (error) {
    await stop();
    // The model loaded in the bench already: what fails here is the worker's environment (Redis, the bin).
    const said = `${output.stdout}${output.stderr}`.trim();
    throw new BackendUnavailableError(`yolokit worker (pid ${child.pid}) did not start: ${(error as Error).message}${said ? `; it said:\n${said}` : ''}`, [], { cause: error });
  }
  return { pid: child.pid!, stop };
}
