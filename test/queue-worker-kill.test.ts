/**
 * Evidence (issue 7): SIGKILL one of two `yolokit worker` processes mid-run. The jobs it held stall, another
 * worker's stalled check puts them back in line, and all 500 predictions complete exactly once: counted by the
 * producer, by `completed` events in Redis, and by who processed each job against what each worker says.
 */
import { createQueuePredictor } from '@yolokit/queue';
import type { Result } from '@yolokit/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
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
const KILL_AFTER = 150;
const QUEUE = 'worker-kill';

describeWithFixtures('queue: SIGKILL of a worker mid-run', [MODEL, COCO], () => {
  describeWithRedis('with a local redis-server', () => {
    let images: string[];
    let reference: Result[][];
    const rig = new QueueRig();

    beforeAll(async () => {
      images = imagesIn(fixturePath(COCO));
      reference = await sequentialReference(fixturePath(MODEL), images);
      // Short locks and a frequent stalled check keep the recovery (and this test) quick; the defaults are 30 s.
      await rig.start(QUEUE, fixturePath(MODEL), ['--lock-duration', '4000', '--stalled-interval', '1000', '--allow-root', fixturePath(COCO)]);
    }, 300_000);

    afterAll(() => rig.stop());

    it(`kill -9 of one worker after ${KILL_AFTER} results: all ${TOTAL} complete exactly once, equal to one instance`, async () => {
      const redis = rig.redis!;
      const completions = await countCompletions(redis.url, QUEUE);
      const predictor = await createQueuePredictor({ queue: QUEUE, redis: redis.url });
      rig.predictor = predictor;
      const [victim, survivor] = rig.workers;
      let resolved = 0;
      let killedAt = 0;
      const outcomes = await Promise.all(
        Array.from({ length: TOTAL }, (_, i) => {
          const task = evidenceTask(i, images);
          return predictor.predict(task.input, VARIANTS[task.variant]).then((result) => {
            resolved += 1;
            if (resolved === KILL_AFTER) {
              killedAt = performance.now();
              victim.kill('SIGKILL');
            }
            return { i, task, result };
          });
        }),
      );
      const recoverySeconds = (performance.now() - killedAt) / 1000;
      expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // Every prediction resolved once, with the right result.
      expect(new Set(outcomes.map((o) => o.i)).size).toBe(TOTAL);
      const mismatches = outcomes.flatMap(({ i, task, result }) => differences(result, reference[task.imageIndex][task.variant]).map((d) => `task ${i}: ${d}`));
      expect(mismatches).toEqual([]);
      const stats = predictor.stats();
      expect(stats).toMatchObject({ completed: TOTAL, failed: 0, queued: 0, inFlight: 0, resubmitted: 0 });
      // The victim held jobs when it died: they stalled and were recovered (not failed, not lost).
      expect(stats.stalled).toBeGreaterThanOrEqual(1);
      expect(stats.retried).toBe(stats.stalled);

      // Exactly once in Redis: one `completed` event per job, 500 jobs, none failed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(completions.counts.size).toBe(TOTAL);
      expect([...completions.counts.values()].filter((n) => n !== 1)).toEqual([]);
      await completions.close();
      const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue(QUEUE, { connection, prefix: 'yolokit' });
      expect(await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed')).toEqual({ completed: TOTAL, failed: 0, active: 0, wait: 0, delayed: 0 });
      const jobs = await queue.getCompleted(0, TOTAL);
      const processedBy = new Map<string, number>();
      for (const job of jobs) processedBy.set(String(job.processedBy), (processedBy.get(String(job.processedBy)) ?? 0) + 1);
      const recovered = jobs.filter((job) => (job.attemptsStarted ?? 0) > 1);
      expect(recovered.length).toBe(stats.stalled);
      // Recovered jobs were finished by the survivor, started twice, failed never.
      for (const job of recovered) {
        expect(job.processedBy).toBe(survivor.name);
        expect(job.attemptsMade).toBe(1);
      }
      await queue.close();
      connection.disconnect();
      await predictor.close();
      rig.predictor = undefined;

      survivor.kill('SIGTERM');
      expect((await survivor.exited).code).toBe(0);
      const survivorCount = Number(/stopped: (\d+) completed/.exec(survivor.output.stdout)?.[1]);
      // What the survivor counted is what Redis credits it with; the victim's share is the rest, before the kill.
      expect(processedBy.get(survivor.name)).toBe(survivorCount);
      expect((processedBy.get(victim.name) ?? 0) + survivorCount).toBe(TOTAL);
      expect(processedBy.get(victim.name)).toBeGreaterThan(30);
      console.log(
        `[queue worker kill] victim completed ${processedBy.get(victim.name)}, survivor ${survivorCount}; ${recovered.length} stalled jobs recovered; ` +
          `the last ${TOTAL - KILL_AFTER} results took ${recoverySeconds.toFixed(1)} s after the kill`,
      );
    }, 300_000);
  });
});
