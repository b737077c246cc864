import { InvalidOptionError } from '@yolokit/core';
import { oneOf, redactUrl } from '@yolokit/core/internal';
import { BACKEND_NAMES, type BackendName } from '../image-predictor.js';

/**
 * What `yolokit bench --strategies` can measure. `auto` is `createPredictor({ strategy: 'auto' })`; `queue` is
 * `createQueuePredictor` of `@yolokit/queue` served by `yolokit worker` processes the bench starts.
 */
export const BENCH_STRATEGIES = ['locked', 'threads', 'processes', 'auto', 'queue'] as const;
export type BenchStrategy = (typeof BENCH_STRATEGIES)[number];

/** The flags of `yolokit bench` as commander hands them over (strings, before parsing). */
export interface BenchFlags {
  readonly model?: string;
  readonly backend?: string;
  readonly images?: readonly string[];
  readonly strategies?: string;
  readonly concurrency?: string;
  readonly workers?: string;
  readonly threadsPerWorker?: string;
  readonly duration?: string;
  readonly requests?: string;
  readonly rounds?: string;
  readonly warmup?: string;
  readonly sweep?: boolean;
  readonly allowOversubscribe?: boolean;
  readonly json?: string;
  readonly markdown?: string;
  readonly progress?: boolean;
  readonly redis?: string;
}

/** `yolokit bench`'s flags, parsed and checked. */
export interface BenchOptions {
  readonly model: string;
  readonly backend: BackendName;
  /** Image files, folders and globs, as given (expanded later). */
  readonly images: readonly string[];
  readonly strategies: readonly BenchStrategy[];
  /** Requests kept in flight, one measurement per value. */
  readonly concurrency: readonly number[];
  /** Worker counts of `threads`/`processes`/`queue`, one setup each (in the order given, duplicates removed). */
  readonly workers: readonly number[] | undefined;
  readonly threadsPerWorker: number | undefined;
  /** Each measurement lasts this long (requests issued until then, the last ones awaited)... */
  readonly durationMs: number | undefined;
  /** ...or completes exactly this many requests. One of the two is set. */
  readonly requests: number | undefined;
  readonly rounds: number;
  /** Requests run and discarded after a setup is opened; `undefined`: two per worker. */
  readonly warmup: number | undefined;
  readonly sweep: boolean;
  /** `--allow-oversubscribe`: setups above 4 runtime threads per core (workers × threads per worker) run anyway. */
  readonly allowOversubscribe: boolean;
  readonly json: string | undefined;
  readonly markdown: string | undefined;
  readonly progress: boolean;
  /**
   * The Redis of `queue` (`redis://` or `rediss://` URL); `undefined` with `queue` listed: a private
   * `redis-server` started for the run. Only set when `queue` is listed.
   */
  readonly redis: string | undefined;
}

/** Defaults of `yolokit bench`. */
export const BENCH_DEFAULTS = Object.freeze({
  strategies: ['locked', 'threads', 'processes'] as readonly BenchStrategy[],
  concurrency: [1, 4, 16] as readonly number[],
  durationMs: 10_000,
  rounds: 3,
});

/**
 * Parses and checks `yolokit bench`'s flags. Every problem is an `InvalidOptionError` naming the flag and the
 * value it got, raised before anything is loaded.
 */
export function benchOptionsFromFlags(flags: BenchFlags): BenchOptions {
  const backend: BackendName = oneOf(flags.backend, '--backend', BACKEND_NAMES, 'onnx');
  const strategies = flags.strategies === undefined ? BENCH_DEFAULTS.strategies : listFlag(flags.strategies, '--strategies');
  for (const name of strategies) {
    if (!(BENCH_STRATEGIES as readonly string[]).includes(name)) {
      throw new InvalidOptionError('--strategies', `--strategies must list names from ${BENCH_STRATEGIES.join(', ')}, got ${JSON.stringify(name)}`);
    }
  }
  const concurrency =
    flags.concurrency === undefined ? BENCH_DEFAULTS.concurrency : listFlag(flags.concurrency, '--concurrency').map((value) => positiveInteger(value, '--concurrency', 10_000));
  const workers = flags.workers === undefined ? undefined : [...new Set(listFlag(flags.workers, '--workers').map((value) => positiveInteger(value, '--workers', 1024)))];
  const threadsPerWorker = flags.threadsPerWorker === undefined ? undefined : positiveInteger(flags.threadsPerWorker, '--threads-per-worker', 1024);
  if (flags.duration !== undefined && flags.requests !== undefined) {
    throw new InvalidOptionError('--duration', '--duration and --requests exclude each other: a measurement lasts a time or counts requests');
  }
  const requests = flags.requests === undefined ? undefined : positiveInteger(flags.requests, '--requests', 10_000_000);
  const durationMs = requests !== undefined ? undefined : flags.duration === undefined ? BENCH_DEFAULTS.durationMs : parseDuration(flags.duration, '--duration');
  const rounds = flags.rounds === undefined ? BENCH_DEFAULTS.rounds : positiveInteger(flags.rounds, '--rounds', 1000);
  const warmup = flags.warmup === undefined ? undefined : nonNegativeInteger(flags.warmup, '--warmup');
  if (!flags.images || flags.images.length === 0) {
    throw new InvalidOptionError('--images', '--images needs image files, folders or globs, such as: --images coco/images/ bus.jpg');
  }
  if (!flags.model) throw new InvalidOptionError('--model', 'yolokit bench needs a model: --model <file.onnx>');
  const redis = flags.redis === undefined ? undefined : redisUrl(flags.redis, strategies);
  if (flags.json !== undefined && flags.json === flags.markdown) {
    throw new InvalidOptionError('--markdown', `--json and --markdown name the same file ${JSON.stringify(flags.json)}`);
  }
  return {
    model: flags.model,
    backend,
    images: flags.images,
    strategies: [...new Set(strategies as BenchStrategy[])],
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    workers,
    threadsPerWorker,
    durationMs,
    requests,
    rounds,
    warmup,
    sweep: flags.sweep === true,
    allowOversubscribe: flags.allowOversubscribe === true,
    json: flags.json,
    markdown: flags.markdown,
    progress: flags.progress !== false,
    redis,
  };
}

/** `--redis`: a `redis://` or `rediss://` URL, and only with `queue` among the strategies. */
function redisUrl(text: string, strategies: readonly string[]): string {
  if (!strategies.includes('queue')) {
    throw new InvalidOptionError('--redis', `--redis is the Redis of --strategies queue, which is not listed (--strategies ${strategies.join(',')})`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidOptionError('--redis', `--redis must be a Redis URL such as redis://127.0.0.1:6379 (redis://[user:password@]host:port[/db], rediss:// for TLS), got ${JSON.stringify(text)}`);
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new InvalidOptionError('--redis', `--redis must be a redis:// or rediss:// (TLS) URL with a host, such as redis://127.0.0.1:6379, got ${JSON.stringify(redactUrl(url.href))}`);
  }
  return text;
}

/**
 * `20s`, `1.5m`, `500ms` or a bare number of seconds, as milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('20s', '--duration'); // 20000
 * ```
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min)?\s*$/i.exec(text);
  const scale: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000 };
  const ms = match ? Number(match[1]) * scale[(match[2] ?? 's').toLowerCase()] : Number.NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > 24 * 3_600_000) {
    throw new InvalidOptionError(flag, `${flag} must be a time from 100ms to 24h such as 20s, 1.5m or 500ms, got ${JSON.stringify(text)}`);
  }
  return ms;
}

function listFlag(text: string, flag: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new InvalidOptionError(flag, `${flag} must be a comma-separated list without empty items, got ${JSON.stringify(text)}`);
  return items;
}

function positiveInteger(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new InvalidOptionError(flag, `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function nonNegativeInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n > 100_000) {
    throw new InvalidOptionError(flag, `${flag} must be a whole number from 0 to 100000, got ${JSON.stringify(text)}`);
  }
  return n;
}
