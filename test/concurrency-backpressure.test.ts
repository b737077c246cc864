/**
 * Backpressure and per-task failures, for each strategy: a full queue, abort of a queued and of a running
 * task, timeouts, bad images and bad options reject their own task only, and the pool stays healthy (same
 * workers, later predictions succeed).
 */
import { createPredictor, type ModelSpec, type Predictor, type PredictorOptions } from '@yolokit/concurrency';
import { type Result, YoloError } from '@yolokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const BUS = 'images/bus.jpg';
const MAX_QUEUE = 6;
const spec = (): ModelSpec => ({ backend: onnxSpec(), model: fixturePath(MODEL) });

const codeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (YoloError.isInstance(error) ? error.code : `untyped: ${String(error)}`),
  );

const until = async (condition: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

interface Case {
  readonly name: string;
  readonly options: Omit<PredictorOptions, 'model'>;
  /** Whether the model runs off this thread, so an abort is answered while inference runs. */
  readonly offThread: boolean;
  /** Tasks that run at once. */
  readonly slots: number;
}

const cases: Case[] = [
  { name: 'locked', options: { strategy: 'locked' }, offThread: false, slots: 1 },
  { name: 'locked offMainThread', options: { strategy: 'locked', offMainThread: true }, offThread: true, slots: 1 },
  { name: 'threads', options: { strategy: 'threads', workers: 2 }, offThread: true, slots: 2 },
  { name: 'processes', options: { strategy: 'processes', workers: 2 }, offThread: true, slots: 2 },
  { name: 'unsafe-shared', options: { strategy: 'unsafe-shared' }, offThread: false, slots: Number.POSITIVE_INFINITY },
];

describeWithFixtures('concurrency: backpressure, cancellation and bad input in every strategy', [MODEL, BUS], () => {
  let busResult: Result;
  beforeAll(async () => {
    const p = await createPredictor({ strategy: 'locked', model: spec() });
    busResult = await p.predict(fixturePath(BUS));
    await p.close();
  }, 60_000);

  for (const c of cases) {
    describe(c.name, () => {
      let predictor: Predictor;
      let workerIds: string;
      const ids = (): string => JSON.stringify(predictor.stats().workers);

      beforeAll(async () => {
        predictor = await createPredictor({ ...c.options, model: spec(), maxQueue: MAX_QUEUE } as PredictorOptions);
        workerIds = ids();
      }, 60_000);
      afterAll(async () => {
        await predictor?.close({ abort: true });
      });

      // unsafe-shared starts every call at once on the one instance: it has no queue, so nothing can overflow.
      if (!Number.isFinite(c.slots)) {
        it('has no queue to fill: MAX_QUEUE + 2 calls at once all complete, none rejected', async () => {
          const results = await Promise.all(Array.from({ length: MAX_QUEUE + 2 }, () => predictor.predict(fixturePath(BUS))));
          for (const r of results) expect(r.detections.length).toBe(busResult.detections.length);
          expect(predictor.stats().failures.QUEUE_FULL ?? 0).toBe(0);
        }, 60_000);
      } else {
        it('a full queue rejects the next task at once with QUEUE_FULL; the others complete', async () => {
          let settled = 0;
          const accepted = Array.from({ length: c.slots + MAX_QUEUE }, () =>
            predictor.predict(fixturePath(BUS)).finally(() => {
              settled++;
            }),
          );
          const overflow = await codeOf(predictor.predict(fixturePath(BUS)));
          expect(overflow).toBe('QUEUE_FULL');
          // "At once": rejected before any accepted task finished (an order, not a time: the machine may be busy).
          expect(settled).toBe(0);
          const results = await Promise.all(accepted);
          for (const r of results) expect(r.detections.length).toBe(busResult.detections.length);
          expect(predictor.stats().failures.QUEUE_FULL).toBe(1);
        }, 60_000);
      }

      it('abort of a queued (or, unlocked, not yet answered) task rejects it with ABORTED; the others complete', async () => {
        const busy = Array.from({ length: Number.isFinite(c.slots) ? c.slots : 1 }, () => predictor.predict(fixturePath(BUS)));
        const controller = new AbortController();
        const queued = codeOf(predictor.predict(fixturePath(BUS), {}, { signal: controller.signal }));
        controller.abort();
        expect(await queued).toBe('ABORTED');
        for (const r of await Promise.all(busy)) expect(r.detections.length).toBe(busResult.detections.length);
        await until(() => predictor.stats().inFlight === 0 && predictor.stats().queued === 0);
      }, 60_000);

      it(`abort of a running task rejects it with ABORTED${c.offThread ? ' while inference still runs' : ''}; the worker stays and serves the next task`, async () => {
        const controller = new AbortController();
        // The pool's count of running tasks at the moment the caller hears back.
        let inFlightWhenAnswered = -1;
        const running = codeOf(
          predictor.predict(fixturePath(BUS), {}, { signal: controller.signal }).finally(() => {
            inFlightWhenAnswered = predictor.stats().inFlight;
          }),
        );
        await until(() => predictor.stats().inFlight === 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.abort(new Error('user went away'));
        expect(await running).toBe('ABORTED');
        // Off-thread, the caller hears back at once, while the worker is still running the model.
        if (c.offThread) expect(inFlightWhenAnswered).toBe(1);
        await until(() => predictor.stats().inFlight === 0);
        expect((await predictor.predict(fixturePath(BUS))).detections.length).toBe(busResult.detections.length);
        // Cancellation is cooperative: no thread or process was killed to stop the task.
        expect(ids()).toBe(workerIds);
      }, 60_000);

      it('an already aborted signal rejects at once without running', async () => {
        const before = predictor.stats().completed;
        expect(await codeOf(predictor.predict(fixturePath(BUS), {}, { signal: AbortSignal.abort() }))).toBe('ABORTED');
        expect(await codeOf(predictor.predict(fixturePath(BUS), { signal: AbortSignal.abort() }))).toBe('ABORTED');
        expect(predictor.stats().completed).toBe(before);
      });

      it('a bad image rejects its own task only, with its own code; good ones beside it complete', async () => {
        const outcomes = await Promise.all([
          codeOf(predictor.predict(fixturePath(BUS))),
          codeOf(predictor.predict(new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]))),
          codeOf(predictor.predict(fixturePath('images/no-such-image.jpg'))),
          codeOf(predictor.predict({ data: new Uint8Array(3), width: 1, height: 1, channels: 3 })),
          codeOf(predictor.predict(42 as unknown as string)),
          codeOf(predictor.predict(fixturePath(BUS))),
        ]);
        expect(outcomes).toEqual(['resolved', 'IMAGE_UNREADABLE', 'IMAGE_UNREADABLE', 'IMAGE_TOO_SMALL', 'IMAGE_UNREADABLE', 'resolved']);
        expect(ids()).toBe(workerIds);
        expect((await predictor.predict(fixturePath(BUS))).detections.length).toBe(busResult.detections.length);
      }, 60_000);

      it('an invalid per-call option rejects at once with INVALID_OPTION, naming it', async () => {
        const error = (await predictor.predict(fixturePath(BUS), { conf: 5 }).catch((e: unknown) => e)) as YoloError;
        expect(error.code).toBe('INVALID_OPTION');
        expect(error.message).toBe('options.conf must be a number from 0 to 1, got 5');
      });

      it('taskTimeoutMs: a task not done in time rejects with TIMEOUT; its worker finishes and stays', async () => {
        const timed = await createPredictor({ ...c.options, model: spec(), taskTimeoutMs: 1 } as PredictorOptions);
        try {
          const before = JSON.stringify(timed.stats().workers);
          const codes = await Promise.all([codeOf(timed.predict(fixturePath(BUS))), codeOf(timed.predict(fixturePath(BUS)))]);
          expect(codes).toEqual(['TIMEOUT', 'TIMEOUT']);
          await until(() => timed.stats().inFlight === 0);
          expect(timed.stats().failures.TIMEOUT).toBe(2);
          expect(JSON.stringify(timed.stats().workers)).toBe(before);
        } finally {
          await timed.close();
        }
      }, 60_000);
    });
  }
});
