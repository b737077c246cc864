/**
 * close(): drains or aborts, and afterwards no worker thread or child process of ours is left: checked in
 * /proc (threads of this process, children of this process), not assumed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPredictor, type ModelSpec, type Predictor, type PredictorOptions } from '@yolokit/concurrency';
import { YoloError } from '@yolokit/core';
import { beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { childPids } from './support/child-processes.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const BUS = 'images/bus.jpg';
const spec = (): ModelSpec => ({ backend: onnxSpec({ intraOpNumThreads: 1 }), model: fixturePath(MODEL) });

/** OS threads of this process, except libvips' own pool (sharp grows and shrinks it on its own). */
function osThreads(): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libvips worker';
    } catch {
      return false; // exited while we looked
    }
  }).length;
}

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (YoloError.isInstance(error) ? error.code : String(error)),
  );

const cases: Array<{ name: string; options: Omit<PredictorOptions, 'model'>; threads: number; processes: number }> = [
  { name: 'threads', options: { strategy: 'threads', workers: 2 }, threads: 2, processes: 0 },
  { name: 'processes', options: { strategy: 'processes', workers: 2 }, threads: 0, processes: 2 },
  { name: 'locked offMainThread', options: { strategy: 'locked', offMainThread: true }, threads: 1, processes: 0 },
  { name: 'locked', options: { strategy: 'locked' }, threads: 0, processes: 0 },
];

describeWithFixtures('concurrency: close() leaves nothing of ours behind', [MODEL, BUS], () => {
  beforeAll(async () => {
    // Warm this process's own pools (libuv, sharp) so that they do not count as ours below.
    const warm = await createPredictor({ strategy: 'locked', model: spec() });
    await warm.predict(fixturePath(BUS));
    await warm.close();
  }, 60_000);

  for (const c of cases) {
    it(`${c.name}: drain close → queued tasks complete, then every thread and process is gone (checked in /proc)`, async () => {
      const threadsBefore = osThreads();
      expect(childPids()).toEqual([]);
      const predictor = await createPredictor({ ...c.options, model: spec() } as PredictorOptions);
      const workers = predictor.stats().workers;
      if (c.processes) {
        expect(childPids().sort()).toEqual(workers.map((w) => w.id).sort());
      }
      if (c.threads) {
        expect(workers.filter((w) => w.kind === 'thread')).toHaveLength(c.threads);
        expect(osThreads()).toBeGreaterThanOrEqual(threadsBefore + c.threads);
      }
      const pending = Array.from({ length: 5 }, () => codeOf(predictor.predict(fixturePath(BUS))));
      await predictor.close();
      // Drained: everything submitted before close() ran.
      expect(await Promise.all(pending)).toEqual(Array(5).fill('resolved'));
      expect(predictor.stats()).toMatchObject({ completed: 5, queued: 0, inFlight: 0, workers: c.threads + c.processes ? [] : [{ kind: 'main', id: 0 }] });
      expect(childPids()).toEqual([]);
      for (const w of workers.filter((x) => x.kind === 'process')) expect(() => process.kill(w.id, 0)).toThrow(/ESRCH/);
      expect(osThreads()).toBeLessThanOrEqual(threadsBefore);
      // Closed means closed.
      expect(await codeOf(predictor.predict(fixturePath(BUS)))).toBe('CLOSED');
      expect(await codeOf(predictor.predictMany([fixturePath(BUS)]))).toBe('CLOSED');
    }, 120_000);

    it(`${c.name}: close({ abort: true }) rejects queued and running tasks with CLOSED at once and stops the workers`, async () => {
      const threadsBefore = osThreads();
      const predictor = await createPredictor({ ...c.options, model: spec() } as PredictorOptions);
      const pending = Array.from({ length: 6 }, () => codeOf(predictor.predict(fixturePath(BUS))));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const started = performance.now();
      const closing = predictor.close({ abort: true });
      const codes = await Promise.all(pending);
      await closing;
      expect(codes.filter((code) => code === 'CLOSED').length).toBeGreaterThanOrEqual(4);
      expect(codes.every((code) => code === 'CLOSED' || code === 'resolved')).toBe(true);
      // Off-thread workers are stopped without waiting for inference; in-thread, one running call must end.
      expect(performance.now() - started).toBeLessThan(c.threads + c.processes ? 2_000 : 10_000);
      expect(childPids()).toEqual([]);
      expect(osThreads()).toBeLessThanOrEqual(threadsBefore);
    }, 120_000);
  }

  it('a drain close disposes every instance through its backend (custom backend counts its disposals)', async () => {
    const customSpec = (dir: string): ModelSpec => ({
      backend: { module: new URL('./fixtures/custom-backend/index.js', import.meta.url).href, export: 'customOnnx', options: { disposeMarkerDir: dir } },
      model: fixturePath(MODEL),
    });
    for (const c of cases) {
      const dir = mkdtempSync(join(tmpdir(), 'yolokit-dispose-'));
      const predictor = await createPredictor({ ...c.options, model: customSpec(dir) } as PredictorOptions);
      await predictor.predict(fixturePath(BUS));
      await predictor.close();
      const disposed = readdirSync(dir);
      expect(disposed, c.name).toHaveLength(Math.max(1, c.threads + c.processes));
      // Each one in its own worker (distinct pid-threadId), not one worker disposing twice.
      expect(new Set(disposed.map((name) => name.split('-').slice(0, 2).join('-'))).size).toBe(disposed.length);
    }
  }, 120_000);

  it('close() is idempotent and Symbol.asyncDispose closes', async () => {
    const predictor: Predictor = await createPredictor({ strategy: 'processes', workers: 1, model: spec() });
    const first = predictor.close();
    expect(predictor.close()).toBe(first);
    await first;
    const disposable = await createPredictor({ strategy: 'processes', workers: 1, model: spec() });
    const pid = disposable.stats().workers[0].id;
    await disposable[Symbol.asyncDispose]();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    expect(childPids()).toEqual([]);
  }, 60_000);
});
