import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPredictor } from '@yolokit/concurrency';
import { createModel } from '@yolokit/core';
import { backendConformanceSuite } from '@yolokit/core/conformance';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyOnnx } from '../apps/docs/examples/write-a-backend/tiny-onnx-backend.js';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

/**
 * The docs' "Write a backend" guide says its complete example passes the conformance suite: this is that
 * claim, run. The options mirror apps/docs/examples/write-a-backend/tiny-onnx-backend.conformance.ts, with the
 * project's fixtures in place of the guide's relative paths.
 */

const model = 'models/yolov8n_int8.onnx';
const scratch = mkdtempSync(join(tmpdir(), 'yolokit-docs-backend-'));
const notAModel = join(scratch, 'README.md');
writeFileSync(notAModel, '# not a model\n');

describeWithFixtures('docs: the "Write a backend" example', [model, 'models/yolov8n-seg_int8.onnx', 'images/bus.jpg'], () => {
  backendConformanceSuite(
    {
      name: 'docs example backend (tiny-onnx) passes the conformance suite',
      backend: () => tinyOnnx({ threads: 1 }),
      validModel: fixturePath(model),
      expected: { layout: 'NCHW', inputShape: [1, 3, 640, 640], outputShape: [1, 84, 8400], classCount: 80 },
      invalidModel: notAModel,
      missingModel: join(scratch, 'does-not-exist.onnx'),
      twoOutputModel: { model: fixturePath('models/yolov8n-seg_int8.onnx'), outputShapes: [[1, 116, 2100], [1, 32, 80, 80]] },
      skip: [],
    },
    { describe, it, expect, afterAll },
  );

  describe('through createModel', () => {
    it('detects the bus and the persons in bus.jpg', async () => {
      const yolo = await createModel({ backend: tinyOnnx({ threads: 1 }), model: fixturePath(model) });
      try {
        expect(yolo.info.backend).toBe('tiny-onnx');
        const names = (await yolo.predict(fixturePath('images/bus.jpg'))).detections.map((d) => d.className);
        expect(names).toContain('bus');
        expect(names.filter((name) => name === 'person').length).toBeGreaterThanOrEqual(3);
      } finally {
        await yolo.dispose();
      }
    });
  });

  describe('through a pool of worker threads, described by its spec helper', () => {
    // Workers import the spec's module natively, so the example runs compiled to JavaScript, as a user ships it:
    // in a folder inside the repository, where its imports (@yolokit/core, onnxruntime-node) resolve.
    const compiled = mkdtempSync(join(import.meta.dirname, '.docs-backend-'));
    afterAll(() => rmSync(compiled, { recursive: true, force: true }));

    it('tinyOnnxSpec() reaches every worker with threadsPerWorker as its threads option, and detects what createModel does', async () => {
      const file = join(compiled, 'tiny-onnx-backend.js');
      await build({ entryPoints: [join(import.meta.dirname, '../apps/docs/examples/write-a-backend/tiny-onnx-backend.ts')], outfile: file, format: 'esm', platform: 'node', logLevel: 'silent' });
      const example = (await import(pathToFileURL(file).href)) as typeof import('../apps/docs/examples/write-a-backend/tiny-onnx-backend.js');
      const spec = example.tinyOnnxSpec();
      expect(spec).toEqual({ module: pathToFileURL(file).href, export: 'tinyOnnx', options: {}, threadsOption: 'threads' });

      const bus = fixturePath('images/bus.jpg');
      const local = await createModel({ backend: tinyOnnx({ threads: 1 }), model: fixturePath(model) });
      const expected = await local.predict(bus).finally(() => local.dispose());
      const predictor = await createPredictor({ strategy: 'threads', workers: 2, threadsPerWorker: 1, model: { backend: spec, model: fixturePath(model) } });
      try {
        expect(predictor.info?.runtime).toMatch(/\(cpu, 1 intra-op threads\)$/);
        expect(predictor.stats().threadsPerWorker).toBe(1);
        const results = await predictor.predictMany([bus, bus]);
        for (const result of results) {
          expect(result.detections.map((d) => d.className)).toEqual(expected.detections.map((d) => d.className));
          result.detections.forEach((d, i) => {
            d.box.forEach((value, k) => {
              expect(value).toBeCloseTo(expected.detections[i].box[k], 3);
            });
          });
        }
      } finally {
        await predictor.close();
      }
    }, 120_000);
  });
});
