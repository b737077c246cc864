import { InvalidOptionError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { type BenchFlags, benchOptionsFromFlags, parseDuration } from './bench-options.js';

const base: BenchFlags = { model: 'yolov8n.onnx', images: ['images/'] };

/** Asserts the flags are refused with an InvalidOptionError for `option` saying exactly `message`. */
function refuses(flags: BenchFlags, option: string, message: string): void {
  let caught: unknown;
  try {
    benchOptionsFromFlags({ ...base, ...flags });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidOptionError);
  expect((caught as InvalidOptionError).option).toBe(option);
  expect((caught as Error).message).toBe(message);
}

describe('benchOptionsFromFlags', () => {
  it('applies the documented defaults', () => {
    expect(benchOptionsFromFlags(base)).toEqual({
      model: 'yolov8n.onnx',
      backend: 'onnx',
      images: ['images/'],
      strategies: ['locked', 'threads', 'processes'],
      concurrency: [1, 4, 16],
      workers: undefined,
      threadsPerWorker: undefined,
      durationMs: 10_000,
      requests: undefined,
      rounds: 3,
      warmup: undefined,
      sweep: false,
      allowOversubscribe: false,
      json: undefined,
      markdown: undefined,
      progress: true,
      redis: undefined,
    });
  });

  it('parses lists, counts and switches; duplicates go, concurrency is sorted', () => {
    const options = benchOptionsFromFlags({
      ...base,
      strategies: 'threads, auto,threads',
      concurrency: '16,1,4,4',
      workers: '2',
      threadsPerWorker: '1',
      requests: '50',
      rounds: '5',
      warmup: '0',
      sweep: true,
      json: 'a.json',
      markdown: 'a.md',
      progress: false,
    });
    expect(options).toMatchObject({ strategies: ['threads', 'auto'], concurrency: [1, 4, 16], workers: [2], threadsPerWorker: 1, requests: 50, durationMs: undefined, rounds: 5, warmup: 0, sweep: true, progress: false });
  });

  it('queue: --redis with it, or none (a private redis-server); --workers as a list, in order, duplicates gone', () => {
    expect(benchOptionsFromFlags({ ...base, strategies: 'queue,processes', workers: '3,1,2,3', redis: 'redis://:secret@10.0.0.5:6379/2' })).toMatchObject({
      strategies: ['queue', 'processes'],
      workers: [3, 1, 2],
      redis: 'redis://:secret@10.0.0.5:6379/2',
    });
    expect(benchOptionsFromFlags({ ...base, strategies: 'queue', redis: 'rediss://cache.example.com' }).redis).toBe('rediss://cache.example.com');
    expect(benchOptionsFromFlags({ ...base, strategies: 'queue' }).redis).toBeUndefined();
  });

  it('model', () => refuses({ model: undefined }, '--model', 'yolokit bench needs a model: --model <file.onnx>'));
  it('images', () => refuses({ images: [] }, '--images', '--images needs image files, folders or globs, such as: --images coco/images/ bus.jpg'));
  it('backend', () => refuses({ backend: 'cuda' }, '--backend', `--backend must be one of 'onnx', 'onnx-web', 'tfjs', got "cuda"`));
  it('strategies', () =>
    refuses({ strategies: 'threads,unsafe-shared' }, '--strategies', '--strategies must list names from locked, threads, processes, auto, queue, got "unsafe-shared"'));
  it('empty list item', () => refuses({ concurrency: '1,,4' }, '--concurrency', '--concurrency must be a comma-separated list without empty items, got "1,,4"'));
  it('concurrency', () => refuses({ concurrency: '0,4' }, '--concurrency', '--concurrency must be a whole number from 1 to 10000, got "0"'));
  it('workers', () => refuses({ workers: '1.5' }, '--workers', '--workers must be a whole number from 1 to 1024, got "1.5"'));
  it('workers list', () => refuses({ workers: '1,0' }, '--workers', '--workers must be a whole number from 1 to 1024, got "0"'));
  it('workers list item', () => refuses({ workers: '1,,2' }, '--workers', '--workers must be a comma-separated list without empty items, got "1,,2"'));
  it('redis without queue', () =>
    refuses({ strategies: 'threads,processes', redis: 'redis://127.0.0.1:6379' }, '--redis', '--redis is the Redis of --strategies queue, which is not listed (--strategies threads,processes)'));
  it('redis without queue, default strategies', () =>
    refuses({ redis: 'redis://127.0.0.1:6379' }, '--redis', '--redis is the Redis of --strategies queue, which is not listed (--strategies locked,threads,processes)'));
  it('redis not a URL', () =>
    refuses(
      { strategies: 'queue', redis: 'localhost:6379' },
      '--redis',
      '--redis must be a redis:// or rediss:// (TLS) URL with a host, such as redis://127.0.0.1:6379, got "localhost:6379"',
    ));
  it('redis unparsable', () =>
    refuses(
      { strategies: 'queue', redis: '127.0.0.1:6379' },
      '--redis',
      '--redis must be a Redis URL such as redis://127.0.0.1:6379 (redis://[user:password@]host:port[/db], rediss:// for TLS), got "127.0.0.1:6379"',
    ));
  it('redis of another scheme, password hidden', () =>
    refuses(
      { strategies: 'queue', redis: 'http://:secret@10.0.0.5:6379' },
      '--redis',
      '--redis must be a redis:// or rediss:// (TLS) URL with a host, such as redis://127.0.0.1:6379, got "http://:***@10.0.0.5:6379"',
    ));
  it('redis without a host', () =>
    refuses({ strategies: 'queue', redis: 'redis:///0' }, '--redis', '--redis must be a redis:// or rediss:// (TLS) URL with a host, such as redis://127.0.0.1:6379, got "redis:///0"'));
  it('threads per worker', () => refuses({ threadsPerWorker: 'two' }, '--threads-per-worker', '--threads-per-worker must be a whole number from 1 to 1024, got "two"'));
  it('duration and requests exclude each other', () =>
    refuses({ duration: '5s', requests: '10' }, '--duration', '--duration and --requests exclude each other: a measurement lasts a time or counts requests'));
  it('requests', () => refuses({ requests: '-3' }, '--requests', '--requests must be a whole number from 1 to 10000000, got "-3"'));
  it('rounds', () => refuses({ rounds: '0' }, '--rounds', '--rounds must be a whole number from 1 to 1000, got "0"'));
  it('warmup', () => refuses({ warmup: 'x' }, '--warmup', '--warmup must be a whole number from 0 to 100000, got "x"'));
  it('duration', () => refuses({ duration: '20 parsecs' }, '--duration', '--duration must be a time from 100ms to 24h such as 20s, 1.5m or 500ms, got "20 parsecs"'));
  it('json and markdown to one file', () => refuses({ json: 'out', markdown: 'out' }, '--markdown', '--json and --markdown name the same file "out"'));
});

describe('parseDuration', () => {
  it('reads ms, s, m and bare seconds', () => {
    expect(parseDuration('500ms', '--duration')).toBe(500);
    expect(parseDuration('20s', '--duration')).toBe(20_000);
    expect(parseDuration('1.5m', '--duration')).toBe(90_000);
    expect(parseDuration('3', '--duration')).toBe(3_000);
  });
});
