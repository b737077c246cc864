/**
 * Evidence (issue 7): 2 `yolokit worker` processes + 1 producer, 500 predictions over coco32 through a real
 * redis-server: every result equals the direct single-instance result, and each job completes exactly once.
 * Tasks carry their own options (three variants) and travel in three forms: a path and a file: URL (by
 * reference) and the bytes (by value), so a mix-up of images, options or results would show. The producer is
 * `createPredictor({ strategy: 'queue' })`, as a program that switches strategies by that option makes it.
 */
import { createPredictor } from '@yolokit/concurrency';
import type { QueuePredictor } from '@yolokit/queue';
import type { Result } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import {
  countCompletions,
  describeWithRedis,
  differences,
  evidenceTask,
  imagesIn,
  QueueRig,
  sequentialReference,
  VARIANTS,
} from './queue-support.js';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const TOTAL = 500;
const QUEUE = 'equivalence';

describeWithFixtures('queue: 2 worker processes + 1 producer equal one instance', [MODEL, COCO], () => {
  describeWithRedis('with a local redis-server', () => {
    let images: string[];
    let reference: Result[][];
    const rig = new QueueRig();

    beforeAll(async () => {
      images = imagesIn(fixturePath(COCO));
      reference = await sequentialReference(fixturePath(MODEL), images);
      expect(reference.flat().reduce((n, r) => n + r.detections.length, 0)).toBeGreaterThan(100);
      await rig.start(QUEUE, fixturePath(MODEL), ['--allow-root', fixturePath(COCO)]);
    }, 300_000);

    afterAll(() => rig.stop());

    it(`${TOTAL} predictions: every result equals the sequential single-instance one; each job completed once, by both workers`, async () => {
      const { redis, workers } = rig;
      const completions = await countCompletions(redis!.url, QUEUE);
      // No model: a producer only, for the two `yolokit worker` processes of the rig.
      const predictor = (await createPredictor({ strategy: 'queue', queue: { name: QUEUE, redis: redis!.url } })) as QueuePredictor;
      expect(predictor.strategy).toBe('queue');
      rig.predictor = predictor;
      expect(predictor.info?.runtime).toMatch(/onnxruntime-node/);
      expect((await predictor.workers()).map((w) => w.name).sort()).toEqual(workers.map((w) => w.name).sort());

      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: TOTAL }, (_, i) => {
          const task = evidenceTask(i, images);
          return predictor.predict(task.input, VARIANTS[task.variant]).then((result) => ({ i, task, result }));
        }),
      );
      const seconds = (performance.now() - started) / 1000;

      const mismatches = outcomes.flatMap(({ i, task, result }) =>
        differences(result, reference[task.imageIndex][task.variant]).map((d) => `task ${i} (${task.form}, variant ${task.variant}): ${d}`),
      );
      expect(mismatches).toEqual([]);
      // Sources as a direct predict gives them: the path, the URL's href, none for bytes.
      for (const { task, result } of outcomes.slice(0, 9)) {
        if (task.form === 'path') expect(result.source).toBe(images[task.imageIndex]);
        else if (task.form === 'file-url') expect(result.source).toBe((task.input as URL).href);
        else expect(result.source).toBeUndefined();
      }
      expect(outcomes.reduce((n, o) => n + o.result.detections.length, 0)).toBeGreaterThan(500);

      const stats = predictor.stats();
      expect(stats).toMatchObject({ completed: TOTAL, failed: 0, retried: 0, resubmitted: 0, queued: 0, inFlight: 0 });
      // Exactly once, counted in Redis: one `completed` event per job, 500 jobs.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(completions.counts.size).toBe(TOTAL);
      expect([...completions.counts.values()].every((n) => n === 1)).toBe(true);
      await completions.close();
      await predictor.close();
      rig.predictor = undefined;

      // Both workers served (a graceful stop prints how many each completed; together, all 500).
      for (const worker of workers) worker.kill('SIGTERM');
      const exits = await Promise.all(workers.map((worker) => worker.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
      const served = workers.map((worker) => Number(/stopped: (\d+) completed/.exec(worker.output.stdout)?.[1]));
      expect(served.every((n) => n > 50)).toBe(true);
      expect(served[0] + served[1]).toBe(TOTAL);
      console.log(`[queue equivalence] ${TOTAL} predictions in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(1)}/s), workers served ${served.join(' + ')}`);
    }, 300_000);
  });
});
