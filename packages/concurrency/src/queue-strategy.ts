/**
 * `strategy: 'queue'`: predictions run on queue workers (BullMQ on Redis), through `@yolokit/queue`. That package
 * depends on this one, so this one never imports it statically: `createPredictor` loads it with a dynamic
 * `import()` the first time a queue predictor is created, and a program that never asks for the queue never
 * needs it installed (it is an optional peer dependency). The option types live here, where `createPredictor`
 * is; `@yolokit/queue` implements them.
 */
import { BackendUnavailableError } from '@yolokit/core';
import type { ModelSpec } from './model-spec.js';
import type { Predictor } from './predictor.js';

/**
 * How paths and `file:` URLs travel to queue workers: `reference` sends the path (absolute, resolved by the
 * producer), for workers that share its storage at the same place; `value` reads the file and sends its bytes.
 */
export type ImageTransport = 'reference' | 'value';

/** How long finished jobs stay in Redis: `true` for ever, `false` not at all, or by age and/or count. */
export type KeepJobsPolicy = boolean | { readonly ageSeconds?: number; readonly count?: number };

/** Retry delays of a job's failed attempts (transient failures only; permanent ones are not retried). */
export interface BackoffOptions {
  /** `exponential`: `delayMs`, 2 × `delayMs`, 4 × ...; `fixed`: `delayMs` each time. */
  readonly type: 'exponential' | 'fixed';
  readonly delayMs: number;
}

/** A queue producer's options besides the queue's name and its Redis. */
export interface QueueProducerOptions {
  /**
   * The BullMQ key prefix; producers and workers of one queue must use the same.
   * @defaultValue 'yolokit'
   */
  readonly prefix?: string;
  /**
   * How paths and `file:` URLs travel: `reference` sends the path (absolute, resolved here), for workers that
   * share this storage at the same place; `value` reads the file here and sends its bytes. Bytes and raw pixels
   * always travel by value; http(s) URLs always by reference (the worker downloads them).
   * @defaultValue 'reference'
   */
  readonly imageTransport?: ImageTransport;
  /**
   * Largest image sent by value, in bytes; a larger one rejects with `ImageTooLargeError` (`INVALID_OPTION`)
   * before anything is enqueued. Workers have their own limit.
   * @defaultValue 8388608 (8 MiB)
   */
  readonly maxImageBytes?: number;
  /**
   * Attempts per job: a transient failure (a dead inner worker, a timeout, a flaky download) is retried after
   * {@link backoff} until this many attempts failed; then, as after a permanent failure, the job is
   * dead-lettered (BullMQ's failed set) with its error, and the prediction rejects with it.
   * @defaultValue 3
   */
  readonly attempts?: number;
  /** @defaultValue `{ type: 'exponential', delayMs: 1000 }` */
  readonly backoff?: BackoffOptions;
  /**
   * How long completed jobs (and so their results) stay in Redis, readable with the queue predictor's `result()`.
   * @defaultValue `{ ageSeconds: 3600 }`
   */
  readonly keepResults?: KeepJobsPolicy;
  /**
   * How long dead-lettered jobs stay in Redis, readable with the queue predictor's `deadLetters()`.
   * @defaultValue `{ ageSeconds: 604800 }` (7 days)
   */
  readonly keepFailed?: KeepJobsPolicy;
  /**
   * When a job this producer waits for is gone from Redis (Redis restarted without persistence), enqueue it
   * again with the same id and data; otherwise reject its prediction with `JobLostError`.
   * @defaultValue true
   */
  readonly resubmitLostJobs?: boolean;
  /**
   * Most times one job is resubmitted; once more it is lost and its prediction rejects with `JobLostError`.
   * @defaultValue 3
   */
  readonly maxResubmits?: number;
  /**
   * How long to wait for Redis when the predictor is created.
   * @defaultValue 10000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long Redis may be unreachable while predictions wait. Past it, every waiting prediction rejects with
   * `QueueConnectionError` (`BACKEND_UNAVAILABLE`) naming its job; the producer keeps reconnecting and serves
   * new predictions once Redis is back.
   * @defaultValue 30000
   */
  readonly connectionLostTimeoutMs?: number;
  /**
   * How often the producer checks the state of jobs it has heard nothing from (a safety net under BullMQ's
   * events, which it also does after every reconnection).
   * @defaultValue 5000
   */
  readonly reconcileIntervalMs?: number;
}

/** `PredictorOptions.queue`: which queue, where its Redis is, and how the producer uses them. */
export interface QueueStrategyOptions extends QueueProducerOptions {
  /** The BullMQ queue the workers take jobs from (`yolokit worker --queue NAME`). */
  readonly name: string;
  /**
   * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), or ioredis options
   * (`{ host, port, password, db, tls, ... }`).
   */
  readonly redis: string | object;
  /**
   * With `model` only, for the queue worker this process runs: folders whose files jobs may name (see
   * `@yolokit/queue`'s `createQueueWorker` `allowRoots`). A worker reads no path named in a job without it.
   * @defaultValue [] (no path is read)
   */
  readonly allowRoots?: readonly string[];
  /**
   * With `model` only: URL prefixes under which the local queue worker downloads jobs' image URLs (see
   * `createQueueWorker`'s `allowUrls`). A worker fetches no URL named in a job without it.
   * @defaultValue [] (no URL is fetched)
   */
  readonly allowUrls?: readonly string[];
}

/**
 * What `createPredictor` hands to `@yolokit/queue` for `strategy: 'queue'`, its own options validated.
 * @internal
 */
export interface QueueStrategyRequest {
  /** As given (`@yolokit/queue` validates it, naming each option `options.queue.<name>`). */
  readonly queue: QueueStrategyOptions;
  /** With a model, this process also serves the queue: a queue worker with a `threads` pool of the model. */
  readonly model: ModelSpec | undefined;
  /** The local queue worker's instances and their intra-op threads (with `model` only). */
  readonly workers: number | undefined;
  readonly threadsPerWorker: number | undefined;
  readonly maxQueue: number;
  readonly taskTimeoutMs: number;
}

/**
 * What `@yolokit/queue` exports for `createPredictor`.
 * @internal
 */
export interface QueueStrategyModule {
  openQueueStrategy(request: QueueStrategyRequest): Promise<Predictor>;
}

/** The package that implements the queue strategy. */
export const QUEUE_PACKAGE = '@yolokit/queue';

/**
 * Loads `@yolokit/queue` (a dynamic import: an optional peer dependency) and opens the queue strategy with it.
 * A package that cannot be loaded is a `BackendUnavailableError` naming what to install.
 * @internal
 */
export async function openQueueStrategy(request: QueueStrategyRequest, load: (specifier: string) => Promise<unknown> = (specifier) => import(specifier)): Promise<Predictor> {
  let module: Partial<QueueStrategyModule>;
  try {
    // A specifier in a variable: bundlers and TypeScript leave it alone, so this package has no build-time or
    // install-time dependency on @yolokit/queue (which depends on this one).
    module = (await load(QUEUE_PACKAGE)) as Partial<QueueStrategyModule>;
  } catch (error) {
    throw new BackendUnavailableError(
      `strategy 'queue' needs the package ${QUEUE_PACKAGE}, which could not be loaded (${(error as Error)?.message ?? String(error)}); install it beside @yolokit/concurrency: npm install ${QUEUE_PACKAGE}`,
      [],
      { cause: error },
    );
  }
  if (typeof module.openQueueStrategy !== 'function') {
    throw new BackendUnavailableError(
      `strategy 'queue' needs a version of ${QUEUE_PACKAGE} that provides openQueueStrategy (the one installed does not); install the version that matches @yolokit/concurrency`,
    );
  }
  return module.openQueueStrategy(request);
}
