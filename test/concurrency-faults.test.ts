/**
 * Faults: a worker killed mid-run (SIGKILL of a process, a crash of a thread) costs its own task only, or
 * nothing with retryOnWorkerDeath, and is replaced; a model that cannot load gives a typed error, not a hang.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPredictor, loadModelFromSpec, type ModelSpec, type PredictorOptions } from '@yolokit/concurrency';
import { type Result, YoloError } from '@yolokit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { childPids } from './support/child-processes.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const modelSpec = (model = fixturePath(MODEL)): ModelSpec => ({ backend: onnxSpec(), model });
const customBackend = new URL('./fixtures/custom-backend/index.js', import.meta.url).href;
const customSpec = (options: Record<string, unknown>): ModelSpec => ({
  backend: { module: customBackend, export: 'customOnnx', options, threadsOption: 'intraOpNumThreads' },
  model: fixturePath(MODEL),
});

/** Child processes of this process, from /proc. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const until = async (condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

describeWithFixtures('concurrency: faults', [MODEL, COCO], () => {
  let images: string[];
  const reference = new Map<string, Result>();
  beforeAll(async () => {
    images = readdirSync(fixturePath(COCO)).filter((f) => f.endsWith('.jpg')).sort().slice(0, 8).map((f) => join(fixturePath(COCO), f));
    const model = await loadModelFromSpec(modelSpec());
    for (const image of images) reference.set(image, await model.predict(image));
    await model.dispose();
  }, 120_000);

  const same = (a: Result, b: Result): boolean =>
    a.detections.length === b.detections.length && a.detections.every((d, i) => d.classId === b.detections[i].classId && d.box.every((v, k) => Math.abs(v - b.detections[i].box[k]) <= 1e-4));

  /** Submits `total` tasks; once `killAfter` have completed, `kill` runs once. Returns every outcome. */
  async function runWithKill(
    predictor: Awaited<ReturnType<typeof createPredictor>>,
    total: number,
    killAfter: number,
    kill: () => void,
  ): Promise<Array<{ image: string; result?: Result; error?: YoloError }>> {
    let done = 0;
    return Promise.all(
      Array.from({ length: total }, (_, i) => {
        const image = images[i % images.length];
        return predictor.predict(image).then(
          (result) => {
            if (++done === killAfter) kill();
            return { image, result };
          },
          (error: YoloError) => ({ image, error }),
        );
      }),
    );
  }

  for (const retryOnWorkerDeath of [false, true]) {
    it(`processes: SIGKILL of a busy worker mid-run → ${retryOnWorkerDeath ? 'its task is retried and every task completes' : 'its task rejects with WORKER_DIED, every other completes'}; the pool replaces it`, async () => {
      const predictor = await createPredictor({ strategy: 'processes', workers: 2, model: modelSpec(), retryOnWorkerDeath });
      const before = predictor.stats().workers.map((w) => w.id);
      let victim = 0;
      const outcomes = await runWithKill(predictor, 40, 6, () => {
        victim = before[0];
        process.kill(victim, 'SIGKILL');
      });
      const failed = outcomes.filter((o) => o.error);
      const succeeded = outcomes.filter((o) => o.result);
      if (retryOnWorkerDeath) {
        expect(failed).toEqual([]);
        expect(predictor.stats().retried).toBe(1);
      } else {
        expect(failed).toHaveLength(1);
        const error = failed[0].error!;
        expect(error.code).toBe('WORKER_DIED');
        expect(error).toMatchObject({ workerKind: 'process', workerId: victim, exit: 'signal SIGKILL' });
      }
      expect(succeeded).toHaveLength(retryOnWorkerDeath ? 40 : 39);
      for (const o of succeeded) expect(same(o.result!, reference.get(o.image)!)).toBe(true);
      // Replaced: two live workers again, the victim among neither and gone from the system.
      await until(() => predictor.stats().workers.length === 2);
      const after = predictor.stats().workers.map((w) => w.id);
      expect(after).not.toContain(victim);
      expect(after).toContain(before[1]);
      expect(alive(victim)).toBe(false);
      expect(same(await predictor.predict(images[0]), reference.get(images[0])!)).toBe(true);
      await predictor.close();
      expect(childPids()).toEqual([]);
    }, 180_000);
  }

  for (const strategy of ['threads', 'processes'] as const) {
    for (const retryOnWorkerDeath of [false, true]) {
      it(`${strategy}: a worker that crashes in the backend's run (custom backend) → ${retryOnWorkerDeath ? 'retried, all complete' : 'WORKER_DIED for that task only'}; replaced`, async () => {
        const marker = join(mkdtempSync(join(tmpdir(), 'yolokit-crash-')), 'crashed');
        const predictor = await createPredictor({ strategy, workers: 2, model: customSpec({ crashOnceMarker: marker }), retryOnWorkerDeath });
        const before = predictor.stats().workers.map((w) => w.id);
        const outcomes = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            predictor.predict(images[i % images.length]).then(
              (result) => ({ i, result, error: undefined }),
              (error: YoloError) => ({ i, result: undefined, error }),
            ),
          ),
        );
        expect(existsSync(marker)).toBe(true);
        const failed = outcomes.filter((o) => o.error);
        if (retryOnWorkerDeath) expect(failed).toEqual([]);
        else {
          expect(failed).toHaveLength(1);
          expect(failed[0].error!.code).toBe('WORKER_DIED');
          expect(failed[0].error).toMatchObject({ workerKind: strategy === 'threads' ? 'thread' : 'process' });
          expect(before).toContain((failed[0].error as unknown as { workerId: number }).workerId);
        }
        for (const o of outcomes.filter((x) => x.result)) expect(same(o.result!, reference.get(images[o.i % images.length])!)).toBe(true);
        await until(() => predictor.stats().workers.length === 2);
        expect(predictor.stats().workers.map((w) => w.id).filter((id) => !before.includes(id))).toHaveLength(1);
        expect(predictor.stats().workerDeaths).toBe(1);
        await predictor.close();
        // Workers stopped by close() are not deaths.
        expect(predictor.stats().workerDeaths).toBe(1);
        expect(childPids()).toEqual([]);
      }, 180_000);
    }
  }

  describe('a model that fails to load gives a typed error, not a hang, and leaves nothing behind', () => {
    const strategies: Array<Omit<PredictorOptions, 'model'>> = [
      { strategy: 'locked' },
      { strategy: 'locked', offMainThread: true },
      { strategy: 'threads', workers: 2 },
      { strategy: 'processes', workers: 2 },
      { strategy: 'unsafe-shared' },
    ];
    const failures: Array<{ what: string; spec: () => ModelSpec; code: string; message: RegExp }> = [
      { what: 'a missing model file', spec: () => modelSpec(fixturePath('models/no-such-model.onnx')), code: 'MODEL_NOT_FOUND', message: /no-such-model\.onnx/ },
      { what: 'a file that is not a model', spec: () => modelSpec(fixturePath('images/bus.jpg')), code: 'MODEL_INVALID', message: /bus\.jpg/ },
      {
        what: 'a backend module that does not exist',
        spec: () => ({ backend: { module: '@yolokit/backend-nope', export: 'nope' }, model: fixturePath(MODEL) }),
        code: 'BACKEND_UNAVAILABLE',
        message: /cannot import backend module '@yolokit\/backend-nope'/,
      },
      {
        what: 'a backend export that does not exist',
        spec: () => ({ backend: { module: '@yolokit/backend-onnx', export: 'onnxx' }, model: fixturePath(MODEL) }),
        code: 'BACKEND_UNAVAILABLE',
        message: /has no export 'onnxx'; it exports: .*onnx/,
      },
      { what: 'a third-party backend whose load fails', spec: () => customSpec({ failLoad: 'license server unreachable' }), code: 'MODEL_INVALID', message: /license server unreachable/ },
    ];
    for (const options of strategies) {
      const name = `${options.strategy}${options.offMainThread ? ' offMainThread' : ''}`;
      it(`${name}: ${failures.map((f) => f.code).join(', ')}`, async () => {
        for (const failure of failures) {
          const started = performance.now();
          const error = (await createPredictor({ ...options, model: failure.spec() } as PredictorOptions).then(
            () => new Error('createPredictor resolved'),
            (e: unknown) => e,
          )) as YoloError;
          expect(YoloError.isInstance(error), `${failure.what}: ${String(error)}`).toBe(true);
          expect(error.code, failure.what).toBe(failure.code);
          expect(error.message).toMatch(failure.message);
          expect(performance.now() - started).toBeLessThan(20_000);
          expect(childPids()).toEqual([]);
        }
      }, 120_000);
    }
  });
});
