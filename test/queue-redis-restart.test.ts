/**
 * Evidence (issue 7): Redis restarted mid-run. The test's redis-server keeps nothing on disk (`--save ''
 * --appendonly no`), so a restart loses every job, result and event: the harshest case. Asserted outcome:
 * the producer and the workers reconnect, the producer finds its unfinished jobs gone and enqueues them again
 * under the same ids, and the run COMPLETES: all 500 results, equal to one instance, each prediction resolved
 * once and each job completed once in the new Redis. And when Redis does not come back, every waiting
 * prediction FAILS CLEARLY with `QueueConnectionError` naming its job: completed + failed = submitted, nothing
 * silently lost; the workers still stop cleanly.
 */
import { createQueuePredictor } from '@yolokit/queue';
import { type Result, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import {
  countCompletions,
  describeWithRedis,
  differences,
  evidenceTask,
  imagesIn,
  QueueRig,
  sequentialReference,
  until,
  VARIANTS,
} from './queue-support.js';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const TOTAL = 500;
const RESTART_AFTER = 150;

describeWithFixtures('queue: Redis restarted mid-run', [MODEL, COCO], () => {
  describeWithRedis('with a local redis-server', () => {
    let images: string[];
    let reference: Result[][];
    beforeAll(async () => {
      images = imagesIn(fixturePath(COCO));
      reference = await sequentialReference(fixturePath(MODEL), images);
    }, 300_000);

    const workerFlags = ['--lock-duration', '4000', '--stalled-interval', '1000', '--shutdown-timeout', '3000', '--allow-root', fixturePath(COCO)];

    describe('restarted after 1.5 s', () => {
      const rig = new QueueRig();
      afterAll(() => rig.stop());

      it(`outcome "reconnected and completed": all ${TOTAL} results, equal to one instance, each completed once`, async () => {
        const queue = 'restart';
        const { redis, workers } = await rig.start(queue, fixturePath(MODEL), workerFlags);
        const predictor = await createQueuePredictor({ queue, redis: redis.url });
        rig.predictor = predictor;
        let resolved = 0;
        let pendingAtRestart = 0;
        let restart: Promise<void> | undefined;
        const outcomes = await Promise.allSettled(
          Array.from({ length: TOTAL }, (_, i) => {
            const task = evidenceTask(i, images);
            return predictor.predict(task.input, VARIANTS[task.variant]).then((result) => {
              resolved += 1;
              if (resolved === RESTART_AFTER) {
                pendingAtRestart = TOTAL - resolved;
                restart = (async () => {
                  await redis.stop();
                  await new Promise((r) => setTimeout(r, 1_500));
                  await redis.start();
                })();
              }
              return { i, task, result };
            });
          }),
        );
        await restart;
        const rejected = outcomes.filter((o) => o.status === 'rejected');
        expect(rejected.map((o) => (o as PromiseRejectedResult).reason?.message)).toEqual([]);
        const done = outcomes.map((o) => (o as PromiseFulfilledResult<{ i: number; task: ReturnType<typeof evidenceTask>; result: Result }>).value);
        expect(new Set(done.map((o) => o.i)).size).toBe(TOTAL);
        const mismatches = done.flatMap(({ i, task, result }) => differences(result, reference[task.imageIndex][task.variant]).map((d) => `task ${i}: ${d}`));
        expect(mismatches).toEqual([]);

        const stats = predictor.stats();
        expect(stats).toMatchObject({ completed: TOTAL, failed: 0, queued: 0, inFlight: 0 });
        expect(stats.reconnections).toBeGreaterThanOrEqual(1);
        // The empty new Redis had none of the unfinished jobs: the producer enqueued them again, each once
        // (some results may have been recorded just before the stop and read back instead).
        expect(stats.resubmitted).toBeGreaterThan(pendingAtRestart - 20);
        expect(stats.resubmitted).toBeLessThanOrEqual(pendingAtRestart);

        // In the new Redis (its whole event stream), each resubmitted job completed exactly once, none failed.
        const completions = await countCompletions(redis.url, queue, 'start');
        await until(() => completions.counts.size >= stats.resubmitted, 5_000, 'the events of the new Redis read');
        expect(completions.counts.size).toBe(stats.resubmitted);
        expect([...completions.counts.values()].filter((n) => n !== 1)).toEqual([]);
        await completions.close();

        await predictor.close();
        rig.predictor = undefined;
        for (const worker of workers) worker.kill('SIGTERM');
        const exits = await Promise.all(workers.map((worker) => worker.exited));
        expect(exits.map((e) => e.code)).toEqual([0, 0]);
        for (const worker of workers) expect(worker.output.stderr).toMatch(/reconnected to redis:\/\/127\.0\.0\.1:\d+ after \d+ ms/);
        console.log(`[queue redis restart] restarted with ${pendingAtRestart} predictions waiting; ${stats.resubmitted} jobs resubmitted; ${stats.reconnections} reconnection(s)`);
      }, 300_000);
    });

    describe('gone for good', () => {
      const rig = new QueueRig();
      afterAll(() => rig.stop());

      it('outcome "failed clearly": every waiting prediction rejects with QueueConnectionError naming its job; none left waiting', async () => {
        const queue = 'gone';
        const { redis, workers } = await rig.start(queue, fixturePath(MODEL), workerFlags);
        const predictor = await createQueuePredictor({ queue, redis: redis.url, connectionLostTimeoutMs: 3_000 });
        rig.predictor = predictor;
        let resolved = 0;
        let stoppedAt = 0;
        const total = 200;
        const outcomes = await Promise.allSettled(
          Array.from({ length: total }, (_, i) => {
            const task = evidenceTask(i, images);
            return predictor.predict(task.input, VARIANTS[task.variant]).then((result) => {
              if (++resolved === 50) {
                stoppedAt = performance.now();
                void redis.stop();
              }
              return result;
            });
          }),
        );
        const waited = performance.now() - stoppedAt;
        const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as YoloError & { jobId: string; downForMs: number });
        const completed = outcomes.filter((o) => o.status === 'fulfilled').length;
        expect(completed + failed.length).toBe(total);
        expect(completed).toBeGreaterThanOrEqual(50);
        expect(failed.length).toBeGreaterThan(100);
        for (const error of failed) {
          expect(YoloError.isInstance(error)).toBe(true);
          expect(error).toMatchObject({ name: 'QueueConnectionError', code: 'BACKEND_UNAVAILABLE' });
          expect(error.message).toContain(`Redis at ${redis.url} has been unreachable`);
          expect(error.downForMs).toBeGreaterThan(3_000);
        }
        // Each failure names a distinct job: nothing dropped without a word.
        expect(new Set(failed.map((e) => e.jobId)).size).toBe(failed.length);
        expect(waited).toBeLessThan(15_000);
        const stats = predictor.stats();
        expect(stats).toMatchObject({ completed, failed: failed.length, queued: 0, inFlight: 0, connected: false });
        expect(stats.failures).toEqual({ BACKEND_UNAVAILABLE: failed.length });
        await predictor.close();
        rig.predictor = undefined;

        // Workers without Redis still stop on SIGTERM, within their shutdown timeout (3 s) plus a margin.
        const stopping = performance.now();
        for (const worker of workers) worker.kill('SIGTERM');
        const exits = await Promise.all(workers.map((worker) => worker.exited));
        expect(exits.map((e) => e.code)).toEqual([0, 0]);
        expect(performance.now() - stopping).toBeLessThan(15_000);
        for (const worker of workers) expect(worker.output.stderr).toMatch(/lost the connection to redis:\/\/127\.0\.0\.1:\d+/);
        console.log(`[queue redis gone] ${completed} completed, ${failed.length} failed with QueueConnectionError ${(waited / 1000).toFixed(1)} s after Redis stopped`);
      }, 300_000);
    });
  });
});
