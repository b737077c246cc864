import type { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError } from '@yolokit/core';
import { oneOf, redactUrl } from '@yolokit/core/internal';
import { type Command, Option } from 'commander';
import { backendSpecOf } from './backend-spec-of.js';
import { BACKEND_NAMES, type BackendName, resolveModelPath } from './image-predictor.js';
import type { CliIo } from './run-predict.js';
import { collect, positiveIntegerFlag } from './flag-values.js';

/** The flags of `yolokit worker` as commander hands them over. */
export interface WorkerCommandFlags {
  readonly queue?: string;
  readonly redis: string;
  readonly model?: string;
  readonly backend: BackendName;
  readonly concurrency?: string;
  readonly strategy: string;
  readonly workers?: string;
  readonly threadsPerWorker?: string;
  readonly prefix?: string;
  readonly name?: string;
  readonly maxImageBytes?: string;
  readonly allowRoot?: readonly string[];
  readonly allowUrl?: readonly string[];
  readonly allowOversubscribe?: boolean;
  readonly lockDuration?: string;
  readonly stalledInterval?: string;
  readonly shutdownTimeout?: string;
  readonly taskTimeout?: string;
}

/** The pools `--strategy` can choose for the worker's model instances. */
export const WORKER_STRATEGY_NAMES = ['threads', 'processes'] as const;


/** Adds `yolokit worker` to `program`. */
export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .summary('serve a prediction queue (BullMQ on Redis) with warm models')
    .description(
      'Take prediction jobs from a queue in Redis and run them on a pool of warm model instances, until SIGTERM or SIGINT ' +
        '(the first finishes held jobs, up to --shutdown-timeout, and returns the rest to the queue; a second returns them at once). ' +
        'Producers enqueue with createQueuePredictor() of @yolokit/queue; run as many workers, on as many machines, as the load needs.',
    )
    .option('--queue <name>', 'the queue to serve (the producers\' queue option)')
    .option('--redis <url>', 'the Redis server, redis://[user:password@]host:port[/db] or rediss:// for TLS', 'redis://127.0.0.1:6379')
    .option('-m, --model <file>', 'the model, an Ultralytics ONNX export (or a TF.js graph model folder with --backend tfjs)')
    .addOption(new Option('--backend <name>', 'the runtime of every model instance').choices(BACKEND_NAMES).default('onnx'))
    .option('--concurrency <jobs>', 'jobs held at once (default: 2 × the pool\'s instances)')
    .addOption(new Option('--strategy <name>', 'where the model instances run: worker threads, or child processes (tfjs-node needs processes)').choices(WORKER_STRATEGY_NAMES).default('threads'))
    .option('--workers <count>', 'model instances in the pool (default: cores / threads per worker)')
    .option('--threads-per-worker <count>', "the runtime's intra-op threads in each instance (default: cores / workers)")
    .option('--prefix <prefix>', 'the BullMQ key prefix, the same as the producers\' (default: yolokit)')
    .option('--name <name>', 'this worker\'s name, stored on every job it processes (default: host:pid:random)')
    .option('--allow-root <dir>', 'a folder whose files jobs may name by path or file: URL (repeatable; default: none, no path is read)', collect, [])
    .option('--allow-url <prefix>', 'an http(s) URL prefix under which jobs\' image URLs are downloaded (repeatable; default: none, no URL is fetched)', collect, [])
    .option('--allow-oversubscribe', 'allow --workers × --threads-per-worker above 4 per core (refused without it)')
    .option('--max-image-bytes <bytes>', 'largest image accepted by value or downloaded from a URL (default: 8388608)')
    .option('--lock-duration <ms>', 'how long a held job stays locked without renewal; a dead worker\'s jobs wait this long for another (default: 30000)')
    .option('--stalled-interval <ms>', 'how often to look for jobs of dead workers and put them back in line (default: 30000)')
    .option('--shutdown-timeout <ms>', 'on SIGTERM, how long held jobs may take to finish before they are returned to the queue (default: 30000)')
    .option('--task-timeout <ms>', 'longest one prediction may run before its attempt fails and is retried (default: none)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  yolokit worker --queue detect --redis redis://10.0.0.5:6379 --model yolov8n.onnx',
        '  yolokit worker --queue detect --redis redis://10.0.0.5:6379 --model yolov8n.onnx --strategy processes --workers 4 --concurrency 8',
        '  yolokit worker --queue detect --model yolov8n.onnx --allow-root /shared/images --allow-url https://images.example.com/uploads/',
        '',
        'What a job may make the worker read: job data comes from whoever can write to the Redis, so by default the',
        'worker reads no path and fetches no URL named in a job; images sent by value (bytes, raw pixels) always work.',
        '--allow-root DIR allows files whose real path (symbolic links and .. resolved) lies under DIR; --allow-url',
        'PREFIX allows URLs under PREFIX (same scheme, host and port), each redirect checked again, and a host that',
        'resolves to a private, loopback or link-local address only when PREFIX names it by address or as localhost.',
        'Anything else fails the job at once with SOURCE_NOT_ALLOWED ("not allowed", whether the file exists or not).',
        '',
        'Exit codes: 0 stopped by a signal after finishing or returning its jobs; 1 the model or Redis failed at start;',
        '2 the command line is wrong.',
      ].join('\n'),
    )
    .action((flags: WorkerCommandFlags) => runWorkerCommand(flags, io));
}

/** The library options for `flags`, validated; flag names in messages. */
export function workerOptionsFromFlags(flags: WorkerCommandFlags, cwd: string) {
  if (!flags.queue) throw new InvalidOptionError('--queue', 'yolokit worker needs --queue <name>: the queue the producers enqueue to');
  if (!flags.model) throw new InvalidOptionError('--model', 'yolokit worker needs --model <file>: the model every instance of the pool loads');
  oneOf(flags.strategy, '--strategy', WORKER_STRATEGY_NAMES);
  const optional = <T>(key: string, value: T | undefined): Record<string, T> => (value === undefined ? {} : { [key]: value });
  const allowRoots = (flags.allowRoot ?? []).map((dir) => {
    const path = resolve(cwd, dir);
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      throw new InvalidOptionError('--allow-root', `--allow-root ${JSON.stringify(dir)} does not exist: give an existing folder whose files jobs may name`);
    }
    if (!folder) throw new InvalidOptionError('--allow-root', `--allow-root ${JSON.stringify(dir)} is not a folder: give the folder that holds the images`);
    return path;
  });
  for (const prefix of flags.allowUrl ?? []) {
    if (!/^https?:\/\/[^/?#]+/i.test(prefix) || !URL.canParse(prefix)) {
      throw new InvalidOptionError('--allow-url', `--allow-url must be an absolute http: or https: URL prefix such as https://images.example.com/uploads/, got ${JSON.stringify(prefix)}`);
    }
  }
  return {
    queue: flags.queue,
    redis: flags.redis,
    model: { backend: backendSpecOf(flags.backend), model: resolveModelPath(flags.model, cwd) },
    strategy: flags.strategy as (typeof WORKER_STRATEGY_NAMES)[number],
    ...optional('prefix', flags.prefix),
    ...optional('name', flags.name),
    ...optional('concurrency', positiveIntegerFlag(flags.concurrency, '--concurrency')),
    ...optional('workers', positiveIntegerFlag(flags.workers, '--workers')),
    ...optional('threadsPerWorker', positiveIntegerFlag(flags.threadsPerWorker, '--threads-per-worker')),
    ...optional('maxImageBytes', positiveIntegerFlag(flags.maxImageBytes, '--max-image-bytes')),
    ...optional('allowRoots', allowRoots.length > 0 ? allowRoots : undefined),
    ...optional('allowUrls', flags.allowUrl?.length ? [...flags.allowUrl] : undefined),
    ...optional('allowOversubscribe', flags.allowOversubscribe ? true : undefined),
    ...optional('lockDurationMs', positiveIntegerFlag(flags.lockDuration, '--lock-duration')),
    ...optional('stalledIntervalMs', positiveIntegerFlag(flags.stalledInterval, '--stalled-interval')),
    ...optional('shutdownTimeoutMs', positiveIntegerFlag(flags.shutdownTimeout, '--shutdown-timeout')),
    ...optional('taskTimeoutMs', positiveIntegerFlag(flags.taskTimeout, '--task-timeout')),
  };
}

/**
 * Runs `yolokit worker` until the first of `signals` (`SIGTERM`, `SIGINT`) arrives, then shuts down gracefully;
 * a second one returns held jobs at once. Resolves when the worker has stopped.
 */
export async function runWorkerCommand(flags: WorkerCommandFlags, io: CliIo, signals: Pick<EventEmitter, 'on' | 'off'> = process): Promise<void> {
  const options = workerOptionsFromFlags(flags, io.cwd);
  let queue: typeof import('@yolokit/queue');
  try {
    queue = await import('@yolokit/queue');
  } catch (error) {
    throw new InvalidOptionError('worker', `yolokit worker needs @yolokit/queue: npm install @yolokit/queue (${(error as Error).message})`);
  }
  const budget = options as { workers?: number; threadsPerWorker?: number; allowOversubscribe?: boolean };
  if (!budget.allowOversubscribe) {
    // The same bound createPredictor applies, with this command's flag names in the message.
    const { checkThreadBudget } = await import('@yolokit/concurrency');
    checkThreadBudget(budget.workers ?? 1, budget.threadsPerWorker ?? 1, undefined, {
      workers: '--workers',
      threadsPerWorker: '--threads-per-worker',
      override: '--allow-oversubscribe',
    });
  }
  const log = (line: string): void => void io.stderr.write(`${line}\n`);
  const lastError = { message: '', at: 0 };
  const worker = await queue.createQueueWorker({
    ...options,
    onEvent: (event) => {
      switch (event.type) {
        case 'disconnected':
          return log(`worker: lost the connection to ${event.redis}; reconnecting (held jobs finish, their results wait for Redis)`);
        case 'reconnected':
          return log(`worker: reconnected to ${event.redis} after ${Math.round(event.downForMs)} ms`);
        case 'job-failed':
          return log(`worker: job ${event.jobId} failed: ${event.code}: ${event.message} (${event.willRetry ? 'will be retried' : 'dead-lettered'})`);
        case 'job-returned':
          return log(`worker: job ${event.jobId} returned to the queue`);
        case 'redis-unbounded':
          return log(
            `worker: warning: ${event.redis} accepts values up to ${Math.round(event.protoMaxBulkLen / 1048576)} MiB (proto-max-bulk-len), so a job written straight into Redis can cost this worker several times that in memory before it is refused; start Redis with --proto-max-bulk-len 16mb (see the @yolokit/queue README)`,
          );
        case 'error': {
          // BullMQ repeats connection errors on every retry; one line per distinct message per 5 s is enough.
          const now = Date.now();
          if (event.error.message === lastError.message && now - lastError.at < 5_000) return;
          lastError.message = event.error.message;
          lastError.at = now;
          return log(`worker: ${event.error.message}`);
        }
      }
    },
  });
  const pool = worker.stats().pool;
  io.stdout.write(
    `worker ${worker.name} ready: queue ${worker.queue} at ${redactUrl(options.redis)}, model ${flags.model} (${worker.info.runtime}), ` +
      `${options.strategy} × ${pool.workers.length}, ${worker.concurrency} jobs at once\n`,
  );
  let onSignal: (signal: string) => void = () => {};
  // Started by a parent over an IPC channel (`yolokit bench`): the channel closes when the parent dies, even by
  // SIGKILL, and the worker then stops as on SIGTERM instead of serving on alone. The channel itself must not
  // keep this process alive.
  const onParentGone = (): void => onSignal('parent process gone');
  const ipc = signals === process ? process.channel : undefined;
  ipc?.unref();
  await new Promise<void>((resolve, reject) => {
    let stops = 0;
    onSignal = (signal) => {
      stops += 1;
      if (stops === 1) {
        log(`worker: ${signal}: finishing held jobs (up to the shutdown timeout), returning the rest; send it again to return them now`);
        worker.close().then(resolve, reject);
      } else {
        log(`worker: ${signal} again: returning held jobs to the queue now`);
        worker.close({ returnJobs: true }).catch(() => {});
      }
    };
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
    if (ipc) process.once('disconnect', onParentGone);
  }).finally(() => {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
    process.off('disconnect', onParentGone);
  });
  const stats = worker.stats();
  const failedAttempts = Object.values(stats.failures).reduce((n, count) => n + (count ?? 0), 0);
  io.stdout.write(`worker ${worker.name} stopped: ${stats.completed} completed, ${failedAttempts} failed attempts, ${stats.returned} returned to the queue\n`);
}

