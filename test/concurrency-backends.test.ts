/**
 * Every backend works in every strategy, because workers build their own instance from a serialisable spec:
 * a third-party backend (test/fixtures/custom-backend: plain ESM, imported by file: URL, no build, no import of
 * @yolokit/core) and TF.js (wasm) give, through each strategy, exactly what one in-process instance of the
 * same backend gives.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPredictor, loadModelFromSpec, type ModelSpec, type PredictorOptions } from '@yolokit/concurrency';
import type { Result } from '@yolokit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';
import { onnxSpec } from '@yolokit/backend-onnx/spec';
import { tfjsSpec } from '@yolokit/backend-tfjs/spec';

const ONNX_MODEL = 'models/yolov8n_int8.onnx';
const TFJS_MODEL = 'models/yolov8n_coco_web_model';
const COCO = 'coco32/images';

const strategies: Array<{ name: string; options: Omit<PredictorOptions, 'model'> }> = [
  { name: 'locked', options: { strategy: 'locked' } },
  { name: 'locked offMainThread', options: { strategy: 'locked', offMainThread: true } },
  { name: 'threads', options: { strategy: 'threads', workers: 2 } },
  { name: 'processes', options: { strategy: 'processes', workers: 2 } },
  { name: 'unsafe-shared', options: { strategy: 'unsafe-shared' } },
];

function differences(actual: Result, expected: Result): string[] {
  if (actual.detections.length !== expected.detections.length) return [`count ${actual.detections.length} != ${expected.detections.length}`];
  const out: string[] = [];
  actual.detections.forEach((d, i) => {
    const e = expected.detections[i];
    if (d.classId !== e.classId) out.push(`#${i} class ${d.classId} != ${e.classId}`);
    if (d.box.some((v, k) => Math.abs(v - e.box[k]) > 1e-4)) out.push(`#${i} box ${d.box.join(',')} != ${e.box.join(',')}`);
  });
  return out;
}

function describeBackend(label: string, fixtures: string[], spec: () => ModelSpec, cases: typeof strategies, imageCount: number, total: number): void {
  describeWithFixtures(`concurrency: ${label} in every strategy`, fixtures, () => {
    let images: string[] = [];
    const reference = new Map<string, Result>();
    beforeAll(async () => {
      images = readdirSync(fixturePath(COCO)).filter((f) => f.endsWith('.jpg')).sort().slice(0, imageCount).map((f) => join(fixturePath(COCO), f));
      const model = await loadModelFromSpec(spec());
      for (const image of images) reference.set(image, await model.predict(image));
      await model.dispose();
    }, 300_000);

    for (const { name, options } of cases) {
      it(`${name}: ${total} predictions equal the in-process instance's`, async () => {
        const predictor = await createPredictor({ ...options, model: spec() } as PredictorOptions);
        try {
          const inputs = Array.from({ length: total }, (_, i) => images[i % images.length]);
          const results = await predictor.predictMany(inputs);
          const mismatches = results.flatMap((r, i) => differences(r, reference.get(inputs[i])!).map((d) => `${inputs[i]}: ${d}`));
          expect(mismatches).toEqual([]);
          expect(predictor.stats().completed).toBe(total);
        } finally {
          await predictor.close();
        }
      }, 300_000);
    }
  });
}

describe('backends × strategies', () => {
  describeBackend(
    'a third-party backend (custom-backend fixture, imported by file: URL)',
    [ONNX_MODEL, COCO],
    () => ({
      backend: {
        module: new URL('./fixtures/custom-backend/index.js', import.meta.url).href,
        export: 'customOnnx',
        threadsOption: 'intraOpNumThreads',
      },
      model: fixturePath(ONNX_MODEL),
    }),
    strategies,
    8,
    24,
  );

  // TF.js keeps engine-wide state across awaits, so it is not run unlocked (unsafe-shared) here.
  describeBackend(
    'TF.js (wasm)',
    [TFJS_MODEL, COCO],
    () => ({ backend: tfjsSpec({ runtime: 'wasm' }), model: fixturePath(TFJS_MODEL) }),
    strategies.filter((s) => s.name !== 'unsafe-shared'),
    3,
    6,
  );

  it('model bytes instead of a path cross to workers too, and give the same detections', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(fixturePath(ONNX_MODEL)));
    const fromBytes = await createPredictor({ strategy: 'threads', workers: 1, model: { backend: onnxSpec(), model: bytes } });
    const fromPath = await createPredictor({ strategy: 'locked', model: { backend: onnxSpec(), model: fixturePath(ONNX_MODEL) } });
    try {
      const bus = fixturePath('images/bus.jpg');
      const [a, b] = await Promise.all([fromBytes.predict(bus, { conf: 0.4 }), fromPath.predict(bus, { conf: 0.4 })]);
      expect(a.detections.length).toBeGreaterThan(2);
      expect(differences(a, b)).toEqual([]);
    } finally {
      await Promise.all([fromBytes.close(), fromPath.close()]);
    }
  }, 60_000);
});
