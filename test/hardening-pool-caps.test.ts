/**
 * Issue 15, finding 6 (workers and threads): no cap where a typo can take the machine. `--workers 10000` started
 * 51 processes and 2.3 GB within 13 s on this project's 2-core machine (`--strategy threads`: 230 threads,
 * 1.1 GB) and kept climbing. Now workers × threads per worker above 4 per core is refused before anything starts,
 * with a message naming the limit and the override (`allowOversubscribe: true`, `--allow-oversubscribe`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkThreadBudget, createPredictor, type ModelSpec, resolvePredictorOptions, THREADS_PER_CORE_LIMIT } from '@yolokit/concurrency';
import { InvalidOptionError, YoloError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

const MODEL = 'models/yolov8n_int8.onnx';
const BUS = 'images/bus.jpg';
const cores = availableParallelism();
const limit = 4 * cores; // the documented bound, THREADS_PER_CORE_LIMIT per core
const spec = (): ModelSpec => ({ backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: fixturePath(MODEL) });
const anySpec: ModelSpec = { backend: { module: '@yolokit/backend-onnx', export: 'onnx' }, model: '/models/yolov8n.onnx' };

/** The error `f` throws (or `undefined`). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Children of this process, from /proc (not what a pool says about itself). */
function childPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('createPredictor: workers × threadsPerWorker at most 4 per core unless allowOversubscribe', () => {
  it('is 4 per core', () => {
    expect(THREADS_PER_CORE_LIMIT).toBe(4);
  });

  it('workers: 10000 on 2 cores: INVALID_OPTION naming both options, the limit and the override', () => {
    const error = thrown(() => resolvePredictorOptions({ strategy: 'processes', model: anySpec, workers: 10_000 }, 2));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'options.workers' });
    expect((error as Error).message).toBe(
      "options.workers × options.threadsPerWorker = 10000 × 1 = 10000 runtime threads, more than 4 per core (8 on this machine's 2 cores); " +
        'lower them (one thread per core is fastest), or give options.allowOversubscribe: true to run that many anyway',
    );
  });

  it('threadsPerWorker alone (one instance) counts too, and is the option named', () => {
    const error = thrown(() => resolvePredictorOptions({ strategy: 'locked', offMainThread: true, model: anySpec, threadsPerWorker: 9 }, 2));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: 'options.threadsPerWorker' });
    expect((error as Error).message).toMatch(/^options\.workers × options\.threadsPerWorker = 1 × 9 = 9 runtime threads, more than 4 per core \(8 on/);
  });

  it('the product counts: 3 × 3 on 2 cores is refused, 4 × 2 and 8 × 1 are allowed, and the defaults never exceed it', () => {
    expect(thrown(() => resolvePredictorOptions({ strategy: 'threads', model: anySpec, workers: 3, threadsPerWorker: 3 }, 2))).toMatchObject({ option: 'options.workers' });
    expect(resolvePredictorOptions({ strategy: 'threads', model: anySpec, workers: 4, threadsPerWorker: 2 }, 2)).toMatchObject({ workers: 4, threadsPerWorker: 2 });
    expect(resolvePredictorOptions({ strategy: 'processes', model: anySpec, workers: 8 }, 2)).toMatchObject({ workers: 8, threadsPerWorker: 1 });
    expect(resolvePredictorOptions({ strategy: 'locked', model: anySpec }, 64)).toMatchObject({ workers: 1, threadsPerWorker: 64 });
    expect(resolvePredictorOptions({ strategy: 'threads', model: anySpec, threadsPerWorker: 8 }, 2)).toMatchObject({ workers: 1, threadsPerWorker: 8 });
  });

  it('allowOversubscribe: true lifts the bound; it must be a boolean and is a known option', () => {
    expect(resolvePredictorOptions({ strategy: 'processes', model: anySpec, workers: 10_000, allowOversubscribe: true }, 2)).toMatchObject({ workers: 10_000 });
    expect(thrown(() => resolvePredictorOptions({ strategy: 'processes', model: anySpec, workers: 2, allowOversubscribe: 'yes' }, 2))).toMatchObject({
      option: 'options.allowOversubscribe',
      message: 'options.allowOversubscribe must be a boolean, got "yes"',
    });
  });

  it('checkThreadBudget takes the caller’s names (a command line’s flags)', () => {
    const error = thrown(() => checkThreadBudget(3, 3, 2, { workers: '--workers', threadsPerWorker: '--threads-per-worker', override: '--allow-oversubscribe' }));
    expect(error).toMatchObject({ code: 'INVALID_OPTION', option: '--workers' });
    expect((error as Error).message).toBe(
      "--workers × --threads-per-worker = 3 × 3 = 9 runtime threads, more than 4 per core (8 on this machine's 2 cores); " +
        'lower them (one thread per core is fastest), or give --allow-oversubscribe to run that many anyway',
    );
    expect(checkThreadBudget(4, 2, 2)).toBeUndefined();
  });
});

describeWithFixtures('createPredictor: a real pool over the bound starts nothing', [MODEL, BUS], () => {
  it(`processes × ${limit + 1} (this machine: ${cores} cores) rejects at once, before any process starts`, async () => {
    const before = childPids();
    const started = performance.now();
    const outcome = await createPredictor({ strategy: 'processes', workers: limit + 1, model: spec() }).then(
      async (predictor) => {
        await predictor.close({ abort: true });
        return 'opened';
      },
      (error: unknown) => error,
    );
    const elapsedMs = performance.now() - started;
    expect(YoloError.isInstance(outcome) && outcome.code).toBe('INVALID_OPTION');
    expect((outcome as Error).message).toContain(`= ${limit + 1} × 1 = ${limit + 1} runtime threads, more than 4 per core (${limit} on this machine's ${cores} core`);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(childPids().filter((pid) => !before.includes(pid))).toEqual([]);
  });

  it(`…and with allowOversubscribe: true it runs one instance with ${limit + 1} intra-op threads`, async () => {
    const predictor = await createPredictor({ strategy: 'locked', offMainThread: true, threadsPerWorker: limit + 1, allowOversubscribe: true, model: spec() });
    try {
      expect(predictor.stats().threadsPerWorker).toBe(limit + 1);
      const result = await predictor.predict(fixturePath(BUS));
      expect(result.detections.filter((d) => d.className === 'bus')).toHaveLength(1);
    } finally {
      await predictor.close();
    }
  }, 300_000);
});
