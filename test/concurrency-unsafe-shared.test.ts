/**
 * The race Ultralytics' thread-safety guide warns about, shown and then fixed: a model keeping per-call state
 * on the instance across an await returns results for the wrong images when calls interleave (unsafe-shared),
 * and never with the lock. yolokit's own YoloModel keeps no per-call state, so it is right even unlocked.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPredictor, loadModelFromSpec, StatefulDemoModel } from '@yolokit/concurrency';
import type { Result, YoloModel } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';
const TOTAL = 64;
const IN_FLIGHT = 16;

function sameDetections(a: Result, b: Result): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.detections.length === b.detections.length &&
    a.detections.every((d, i) => d.classId === b.detections[i].classId && d.box.every((v, k) => Math.abs(v - b.detections[i].box[k]) <= 1e-4))
  );
}

describeWithFixtures('concurrency: unsafe-shared with a stateful model shows the race; the lock removes it', [MODEL, COCO], () => {
  let model: YoloModel;
  let images: string[];
  const reference = new Map<string, Result>();

  beforeAll(async () => {
    images = readdirSync(fixturePath(COCO)).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(fixturePath(COCO), f));
    model = await loadModelFromSpec({ backend: onnxSpec({ intraOpNumThreads: 2 }), model: fixturePath(MODEL) });
    for (const image of images) reference.set(image, await model.predict(image));
  }, 300_000);

  afterAll(async () => {
    await model?.dispose();
  });

  /** Runs TOTAL predictions of distinct-in-a-row images, IN_FLIGHT at once; counts wrong results. */
  async function mismatchesThrough(strategy: 'unsafe-shared' | 'locked', target: { predict: YoloModel['predict'] }): Promise<number> {
    const predictor = await createPredictor({ strategy, model: target });
    let next = 0;
    let wrong = 0;
    const lane = async (): Promise<void> => {
      while (next < TOTAL) {
        const image = images[next++ % images.length];
        const result = await predictor.predict(image);
        if (!sameDetections(result, reference.get(image)!)) wrong += 1;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    await predictor.close();
    expect(predictor.stats().completed).toBe(TOTAL);
    return wrong;
  }

  it('unsafe-shared + StatefulDemoModel: results come back for the wrong images', async () => {
    const wrong = await mismatchesThrough('unsafe-shared', new StatefulDemoModel(model));
    console.info(`[unsafe-shared] stateful demo model: ${wrong} of ${TOTAL} results belong to another image`);
    expect(wrong).toBeGreaterThan(TOTAL / 4);
  }, 300_000);

  it('locked + the same StatefulDemoModel: zero mismatches', async () => {
    expect(await mismatchesThrough('locked', new StatefulDemoModel(model))).toBe(0);
  }, 300_000);

  it('unsafe-shared + a plain YoloModel (no per-call state on the instance): zero mismatches', async () => {
    expect(await mismatchesThrough('unsafe-shared', model)).toBe(0);
  }, 300_000);

  it('a live model handed to a predictor is not disposed by close()', async () => {
    const predictor = await createPredictor({ strategy: 'locked', model });
    await predictor.close();
    expect((await model.predict(images[0])).detections.length).toBe(reference.get(images[0])!.detections.length);
  }, 60_000);
});
