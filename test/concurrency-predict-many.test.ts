/** predictMany: input order, progress, fail-fast with cancellation of the rest, caller's signal. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPredictor, type Predictor, type PredictProgress } from '@yolokit/concurrency';
import type { YoloError } from '@yolokit/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

const MODEL = 'models/yolov8n_int8.onnx';
const COCO = 'coco32/images';

describeWithFixtures('concurrency: predictMany', [MODEL, COCO], () => {
  let predictor: Predictor;
  let images: string[];
  beforeAll(async () => {
    images = readdirSync(fixturePath(COCO)).filter((f) => f.endsWith('.jpg')).sort().slice(0, 12).map((f) => join(fixturePath(COCO), f));
    predictor = await createPredictor({ strategy: 'threads', workers: 2, maxQueue: 2, model: { backend: onnxSpec(), model: fixturePath(MODEL) } });
  }, 60_000);
  afterAll(async () => {
    await predictor?.close();
  });

  it('returns results in input order, reports progress once per image, and never overfills a small queue', async () => {
    const progress: PredictProgress[] = [];
    // 12 images through maxQueue 2: predictMany feeds the pool as it drains instead of tripping QUEUE_FULL.
    const results = await predictor.predictMany(images, { conf: 0.3 }, { onProgress: (p) => progress.push(p) });
    expect(results.map((r) => r.source)).toEqual(images);
    expect(progress.map((p) => p.completed)).toEqual(Array.from({ length: images.length }, (_, i) => i + 1));
    expect(progress.map((p) => p.index).sort((a, b) => a - b)).toEqual(images.map((_, i) => i));
    expect(progress.every((p) => p.total === images.length && p.result === results[p.index])).toBe(true);
    expect(predictor.stats().failures.QUEUE_FULL ?? 0).toBe(0);
  }, 120_000);

  it('rejects with the first failure (a bad image) and does not run the images after it', async () => {
    const before = predictor.stats().completed;
    const list = [images[0], fixturePath('images/missing.jpg'), ...images];
    const error = (await predictor.predictMany(list).catch((e: unknown) => e)) as YoloError;
    expect(error.code).toBe('IMAGE_UNREADABLE');
    expect(error.message).toContain('missing.jpg');
    // Only what was already submitted ran: far fewer than the whole list.
    expect(predictor.stats().completed - before).toBeLessThan(list.length - 4);
  }, 120_000);

  it("the caller's signal cancels the whole batch with ABORTED", async () => {
    const controller = new AbortController();
    const batch = predictor.predictMany(images, {}, { signal: controller.signal, onProgress: () => controller.abort() });
    const error = (await batch.catch((e: unknown) => e)) as YoloError;
    expect(error.code).toBe('ABORTED');
  }, 120_000);

  it('an empty list gives an empty array', async () => {
    expect(await predictor.predictMany([])).toEqual([]);
  });
});
