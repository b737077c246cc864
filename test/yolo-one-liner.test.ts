/**
 * `yolo(model, options)`, the one-liner on top of the explicit API: from `@yolokit/backend-onnx` it is
 * `createModel({ backend: onnx(), model })` on onnxruntime-node, from `@yolokit/backend-onnx/web` the same on
 * onnxruntime-web; prediction defaults given directly. Checked against the explicit API on real models: the
 * default shapes model (no fixtures needed) and yolov8n_int8 on bus.jpg.
 */
import { onnx, yolo } from '@yolokit/backend-onnx';
import { yolo as yoloWeb } from '@yolokit/backend-onnx/web';
import { createModel, type Result } from '@yolokit/core';
import { defaultModelPath, generateScene } from '@yolokit/default-model';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

/** Detections as comparable data: class, confidence and box rounded to what two runtimes agree on. */
function detectionsOf(result: Result, digits = 4) {
  return result.detections.map((d) => ({
    className: d.className,
    confidence: Number(d.confidence.toFixed(digits)),
    box: d.box.map((v) => Number(v.toFixed(digits > 2 ? 2 : 0))),
  }));
}

describe('yolo() on the default shapes model', () => {
  const scene = generateScene(7);
  const image = { data: scene.data, width: scene.width, height: scene.height, channels: 3 as const };

  it('in Node is createModel with onnx(), defaults given directly, and a call still overrides them', async () => {
    const model = await yolo(defaultModelPath('onnx'), { conf: 0.5, iou: 0.6 });
    const explicit = await createModel({ backend: onnx(), model: defaultModelPath('onnx'), defaults: { conf: 0.5, iou: 0.6 } });
    try {
      expect(model.info.runtime).toMatch(/^onnxruntime-node /);
      const result = await model.predict(image);
      expect(detectionsOf(result)).toEqual(detectionsOf(await explicit.predict(image)));
      expect(result.detections.map((d) => d.className).sort()).toEqual(scene.objects.map((o) => o.className).sort());
      // conf 0.5 is the model's default now: conf 0.001 per call finds more boxes than the default does.
      const low = await model.predict(image, { conf: 0.001 });
      expect(low.detections.length).toBeGreaterThan(result.detections.length);
      expect(result.detections.every((d) => d.confidence >= 0.5)).toBe(true);
    } finally {
      await model.dispose();
      await explicit.dispose();
    }
  });

  it('from the /web entry runs onnxruntime-web and finds what onnxruntime-node finds', async () => {
    const web = await yoloWeb(defaultModelPath('onnx'), { conf: 0.5 });
    const node = await yolo(defaultModelPath('onnx'), { conf: 0.5 });
    try {
      expect(web.info.runtime).toMatch(/^onnxruntime-web /);
      expect(detectionsOf(await web.predict(image), 2)).toEqual(detectionsOf(await node.predict(image), 2));
    } finally {
      await web.dispose();
      await node.dispose();
    }
  });

  it('passes runtime options to the backend and names a wrong option as it was given', async () => {
    const model = await yolo(defaultModelPath('onnx'), { runtime: { intraOpNumThreads: 1 }, names: { 0: 'disc', 1: 'block', 2: 'wedge', 3: 'hoop' } });
    try {
      const result = await model.predict(image, { conf: 0.5 });
      const renamed = { circle: 'disc', square: 'block', triangle: 'wedge', ring: 'hoop' } as Record<string, string>;
      expect(result.detections.map((d) => d.className).sort()).toEqual(scene.objects.map((o) => renamed[o.className]).sort());
    } finally {
      await model.dispose();
    }
    await expect(yolo(defaultModelPath('onnx'), { confidence: 0.5 } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      option: 'options.confidence',
      message: expect.stringMatching(/^options\.confidence is not a yolo\(\) option; known options: runtime, defaults, .*, conf, iou, maxDet, classes, imgsz, agnostic, retinaMasks$/),
    });
    await expect(yolo(defaultModelPath('onnx'), { conf: 2 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      option: 'options.conf',
      message: 'options.conf must be a number from 0 to 1, got 2',
    });
    await expect(yolo('')).rejects.toMatchObject({ code: 'INVALID_OPTION', option: 'model' });
    await expect(yolo('/nonexistent/yolov8n.onnx')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

describeWithFixtures('yolo() on yolov8n', ['models/yolov8n_int8.onnx', 'images/bus.jpg'], () => {
  it('finds 4 persons and a bus in bus.jpg, as createModel does', async () => {
    const model = await yolo(fixturePath('models/yolov8n_int8.onnx'), { conf: 0.4 });
    const explicit = await createModel({ backend: onnx(), model: fixturePath('models/yolov8n_int8.onnx'), defaults: { conf: 0.4 } });
    try {
      const result = await model.predict(fixturePath('images/bus.jpg'));
      const counts: Record<string, number> = {};
      for (const d of result.detections) counts[d.className] = (counts[d.className] ?? 0) + 1;
      expect(counts).toEqual({ person: 4, bus: 1 });
      expect(detectionsOf(result)).toEqual(detectionsOf(await explicit.predict(fixturePath('images/bus.jpg'))));
    } finally {
      await model.dispose();
      await explicit.dispose();
    }
  }, 60_000);
});
