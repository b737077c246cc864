/**
 * `createPredictor({ strategy: 'auto' })`: a short sweep over worker-pool splits on threads and processes, then the fastest opened. The
 * choice must be one of the candidates it measured, every candidate must have been measured, and the predictor
 * must be the chosen pool. Timings are not asserted (the machine is shared); option errors are, one per message.
 */
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { AsyncLock, type AutoChoice, autoCandidates, createPredictor, type PredictorOptions } from '@yolokit/concurrency';
import { InvalidOptionError } from '@yolokit/core';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const spec = { backend: onnxSpec(), model: '/models/none.onnx' };

describe('autoCandidates', () => {
  it('splits the cores into workers × threads that use all of them, most workers first', () => {
    expect(autoCandidates(1)).toEqual([{ workers: 1, threadsPerWorker: 1 }]);
    expect(autoCandidates(2)).toEqual([
      { workers: 2, threadsPerWorker: 1 },
      { workers: 1, threadsPerWorker: 2 },
    ]);
    expect(autoCandidates(8).map((c) => `${c.workers}×${c.threadsPerWorker}`)).toEqual(['8×1', '4×2', '2×4', '1×8']);
  });
});

describe("strategy 'auto': option validation, one test per message", () => {
  const rejects = async (options: Record<string, unknown>, option: string, message: string): Promise<void> => {
    const error = await createPredictor(options as unknown as PredictorOptions).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect((error as Error).message).toBe(message);
  };

  it('workers are its to choose', () =>
    rejects(
      { strategy: 'auto', model: spec, workers: 2 },
      'options.workers',
      "options.workers cannot be combined with strategy 'auto', which chooses workers and threads itself; give strategy 'threads' or 'processes' to set them",
    ));
  it('so are threads per worker', () =>
    rejects(
      { strategy: 'auto', model: spec, threadsPerWorker: 1 },
      'options.threadsPerWorker',
      "options.threadsPerWorker cannot be combined with strategy 'auto', which chooses workers and threads itself; give strategy 'threads' or 'processes' to set them",
    ));
  it('offMainThread and lock belong to locked', async () => {
    const tail = "cannot be combined with strategy 'auto', which chooses workers and threads itself; give strategy 'threads' or 'processes' to set them";
    await rejects({ strategy: 'auto', model: spec, offMainThread: true }, 'options.offMainThread', `options.offMainThread ${tail}`);
    await rejects({ strategy: 'auto', model: spec, lock: new AsyncLock() }, 'options.lock', `options.lock ${tail}`);
  });
  it('a model spec, not a live model', () =>
    rejects(
      { strategy: 'auto', model: { predict: async () => undefined } },
      'options.model',
      "options.model must be a model spec for strategy 'auto' (it runs the model in worker pools), got {}",
    ));
  it('auto options are known ones', () =>
    rejects(
      { strategy: 'auto', model: spec, auto: { budget: 3 } },
      'options.auto.budget',
      'options.auto.budget is not an auto option; known options: images, strategies, candidates, requests, rounds, onChoice',
    ));
  it('auto.strategies', () =>
    rejects(
      { strategy: 'auto', model: spec, auto: { strategies: ['threads', 'locked'] } },
      'options.auto.strategies',
      `options.auto.strategies must be a non-empty array of 'threads' and 'processes', got ["threads","locked"]`,
    ));
  it('auto.images', () => rejects({ strategy: 'auto', model: spec, auto: { images: [] } }, 'options.auto.images', 'options.auto.images must be a non-empty array of images, got []'));
  it('auto.candidates', () =>
    rejects(
      { strategy: 'auto', model: spec, auto: { candidates: [{ workers: 0, threadsPerWorker: 1 }] } },
      'options.auto.candidates[0].workers',
      'options.auto.candidates[0].workers must be a positive integer, got 0',
    ));
  it('auto.requests and auto.rounds', async () => {
    await rejects({ strategy: 'auto', model: spec, auto: { requests: 2.5 } }, 'options.auto.requests', 'options.auto.requests must be a positive integer, got 2.5');
    await rejects({ strategy: 'auto', model: spec, auto: { rounds: 0 } }, 'options.auto.rounds', 'options.auto.rounds must be a positive integer, got 0');
  });
  it('auto options need strategy auto', async () => {
    const { resolvePredictorOptions } = await import('@yolokit/concurrency');
    expect(() => resolvePredictorOptions({ strategy: 'threads', model: spec, auto: {} }, 2)).toThrow("options.auto applies to strategy 'auto' only, got strategy \"threads\"");
  });
});

describeWithFixtures("strategy 'auto' on a real model", [MODEL, 'coco32/images'], () => {
  it('opens the candidate its short sweep measured fastest, and predicts with it', async () => {
    const dir = fixturePath('coco32/images');
    const images = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().slice(0, 4).map((f) => join(dir, f));
    let choice: AutoChoice | undefined;
    const predictor = await createPredictor({
      strategy: 'auto',
      model: { backend: onnxSpec(), model: fixturePath(MODEL) },
      auto: { images, requests: 4, rounds: 1, onChoice: (c) => (choice = c) },
    });
    try {
      expect(choice).toBeDefined();
      const c = choice!;
      const candidates = ['threads', 'processes'].flatMap((strategy) => autoCandidates(availableParallelism()).map((m) => `${strategy} ${m.workers}×${m.threadsPerWorker}`));
      // Every candidate (each split on each pool) measured, ranked; the choice is the first of them.
      expect(c.measurements.map((m) => `${m.strategy} ${m.workers}×${m.threadsPerWorker}`).sort()).toEqual(candidates.sort());
      for (const m of c.measurements) {
        expect(m.rounds).toHaveLength(1);
        expect(m.throughput).toBeGreaterThan(0);
      }
      for (let i = 1; i < c.measurements.length; i++) expect(c.measurements[i].throughput).toBeLessThanOrEqual(c.measurements[i - 1].throughput);
      const first = c.measurements[0];
      expect({ strategy: c.strategy, workers: c.workers, threadsPerWorker: c.threadsPerWorker }).toEqual({ strategy: first.strategy, workers: first.workers, threadsPerWorker: first.threadsPerWorker });
      // The predictor is that pool.
      expect(predictor.strategy).toBe(c.strategy);
      const stats = predictor.stats();
      expect(stats.workers).toHaveLength(c.workers);
      expect(stats.threadsPerWorker).toBe(c.threadsPerWorker);
      const result = await predictor.predict(images[0]);
      expect(result.detections.length).toBeGreaterThan(0);
    } finally {
      await predictor.close();
    }
    expect(predictor.stats().workers).toHaveLength(0);
  });

  it('measures the candidates given, on processes when asked', async () => {
    let choice: AutoChoice | undefined;
    const predictor = await createPredictor({
      strategy: 'auto',
      model: { backend: onnxSpec(), model: fixturePath(MODEL) },
      auto: { strategies: ['processes'], candidates: [{ workers: 1, threadsPerWorker: 1 }], onChoice: (c) => (choice = c) },
    });
    try {
      // One candidate: nothing to measure, it is the choice.
      expect(choice).toMatchObject({ strategy: 'processes', workers: 1, threadsPerWorker: 1 });
      expect(choice?.measurements).toEqual([{ strategy: 'processes', workers: 1, threadsPerWorker: 1, throughput: 0, rounds: [] }]);
      expect(predictor.strategy).toBe('processes');
      expect(predictor.stats().workers.map((w) => w.kind)).toEqual(['process']);
    } finally {
      await predictor.close();
    }
  });
});
