/**
 * Issue 15, finding 6 (workers and threads): no cap where a typo can take the machine. `--workers 10000` started
 * 51 processes and 2.3 GB within 13 s on this project's 2-core machine (`--strategy threads`: 230 threads,
 * 1.1 GB) and kept climbing. Now workers × threads per worker above 4 per core is refused before anything starts,
 * with a message naming the limit and the override (`allowOversubscribe: true`, `--allow-oversubscribe`).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { checkThreadBudget, createPredictor, type ModelSpec, resolvePredictorOptions, THREADS_PER_CORE_LIMIT } from '@yolokit/concurrency';
import { InvalidOptionError, YoloError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath, repoRoot } from './support/fixtures.js';
import { childPids } from './support/child-processes.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const BUS = 'images/bus.jpg';
const cores = availableParallelism();
const limit = 4 * cores; // the documented bound, THREADS_PER_CORE_LIMIT per core
const spec = (): ModelSpec => ({ backend: onnxSpec(), model: fixturePath(MODEL) });
const anySpec: ModelSpec = { backend: onnxSpec(), model: '/models/yolov8n.onnx' };

/** The error `f` throws (or `undefined`). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
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
    // No worker started (the pid check below); the time bound only guards against a hang on a busy machine.
    expect((outcome as Error).message).toContain(`= ${limit + 1} × 1 = ${limit + 1} runtime threads, more than 4 per core (${limit} on this machine's ${cores} core`);
    expect(elapsedMs).toBeLessThan(10_000);
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

/** What one `yolokit predict` run did: its exit code (null when killed), output, time, and the most processes it had. */
interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  maxChildren: number;
}

/** Runs `yolokit predict ARGS bus.jpg` (built bin), killed after `limitMs`, counting its child processes as it goes. */
function predict(args: readonly string[], limitMs = 60_000): Promise<CliRun> {
  const bin = resolve(repoRoot, 'packages/cli/dist/bin.js');
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, 'predict', '--model', fixturePath(MODEL), '--no-progress', ...args, fixturePath(BUS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let maxChildren = 0;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const sample = setInterval(() => {
      maxChildren = Math.max(maxChildren, childrenOf(child.pid!).length);
    }, 50);
    const kill = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(sample);
      clearTimeout(kill);
      done({ code, stdout, stderr, ms: performance.now() - started, maxChildren });
    });
  });
}

function childrenOf(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === String(parent);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeWithFixtures('yolokit predict: --workers × --threads-per-worker bounded, --allow-oversubscribe', [MODEL, BUS], () => {
  const message = (workers: number, threads: number) =>
    `--workers × --threads-per-worker = ${workers} × ${threads} = ${workers * threads} runtime threads, more than 4 per core (${limit} on this machine's ${cores} core${cores === 1 ? '' : 's'}); ` +
    'lower them (one thread per core is fastest), or give --allow-oversubscribe to run that many anyway';

  it('--strategy processes --workers 10000: exit 2 at once naming the limit, no model loaded, no process started', async () => {
    const run = await predict(['--strategy', 'processes', '--workers', '10000'], 15_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`error INVALID_OPTION: ${message(10_000, 1)}\n`);
    expect(run.stdout).toBe('');
    expect(run.maxChildren).toBe(0);
    expect(run.ms).toBeLessThan(15_000);
  });

  it('--strategy threads --workers 10000 and --strategy locked --threads-per-worker 10000: exit 2, each named', async () => {
    const threads = await predict(['--strategy', 'threads', '--workers', '10000'], 15_000);
    expect([threads.code, threads.stderr, threads.stdout]).toEqual([2, `error INVALID_OPTION: ${message(10_000, 1)}\n`, '']);
    const locked = await predict(['--strategy', 'locked', '--threads-per-worker', '10000'], 15_000);
    expect([locked.code, locked.stderr, locked.stdout]).toEqual([2, `error INVALID_OPTION: ${message(1, 10_000)}\n`, '']);
  });

  it(`--allow-oversubscribe runs ${limit + 1} intra-op threads in one instance; without it, refused`, async () => {
    const refused = await predict(['--strategy', 'locked', '--threads-per-worker', String(limit + 1)], 30_000);
    expect([refused.code, refused.stderr]).toEqual([2, `error INVALID_OPTION: ${message(1, limit + 1)}\n`]);
    const run = await predict(['--strategy', 'locked', '--threads-per-worker', String(limit + 1), '--allow-oversubscribe'], 120_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/bus\.jpg 810x1080: \d+ person, 1 bus/);
  }, 180_000);
});
