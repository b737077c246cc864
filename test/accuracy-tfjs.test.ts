import { onnx } from '@yolokit/backend-onnx';
import { tfjs } from '@yolokit/backend-tfjs';
import { boxIou, createModel, type Result } from '@yolokit/core';
import { expect, it } from 'vitest';
import { coco32Map } from './support/coco32-map.js';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

const webModel = 'models/yolov8n_coco_web_model';
const fp32 = 'models/yolov8n_fp32.onnx';
const darts = 'models/yolov8n_darts_web_model';

describeWithFixtures('TF.js exports through the core pipeline', [darts, 'images/bus.jpg'], () => {
  it('the darts export decodes its [1, 11, 13125] output through core with its 7 names at 800', async () => {
    const model = await createModel({ backend: tfjs(), model: fixturePath(darts) });
    try {
      expect(model.info.runtime).toMatch(/^tfjs \S+ \(wasm\)$/);
      expect(model.info.layout).toBe('NHWC');
      expect(model.info.imgsz).toEqual([800, 800]);
      expect(model.info.metadata.classCount).toBe(7);
      expect(model.outputFormatOf([1, 11, 13125])).toBe('yolov8');
      const result = await model.predict(fixturePath('images/bus.jpg'), { conf: 0.001 });
      expect([result.width, result.height]).toEqual([810, 1080]);
      // Not trained on buses: whatever it finds is low-confidence, but decoded into valid boxes and names.
      for (const d of result.detections) {
        expect(Object.values(model.names)).toContain(d.className);
        expect(d.box[0]).toBeGreaterThanOrEqual(0);
        expect(d.box[2]).toBeLessThanOrEqual(810);
      }
    } finally {
      await model.dispose();
    }
  });
});

describeWithFixtures('the COCO TF.js export matches yolov8n_fp32.onnx', [webModel, fp32, 'coco32/images', 'images/bus.jpg', 'images/zidane.jpg'], () => {
  it('mAP50-95 on coco32 within 0.01 of the fp32 ONNX model', async () => {
    const onnxMap = await coco32Map(onnx({ intraOpNumThreads: 2 }), fp32);
    const tfjsMap = await coco32Map(tfjs(), webModel);
    console.log(`coco32 mAP50-95: onnxruntime-node fp32 ${onnxMap.map5095.toFixed(4)}, TF.js wasm ${tfjsMap.map5095.toFixed(4)}`);
    expect(Math.abs(tfjsMap.map5095 - onnxMap.map5095)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(tfjsMap.map50 - onnxMap.map50)).toBeLessThanOrEqual(0.01);
  });

  it.each(['images/bus.jpg', 'images/zidane.jpg'])('%s: every box of one matches a box of the other (IoU ≥ 0.98, same class)', async (image) => {
    const [a, b] = await Promise.all([predictOnce(onnx(), fp32, image), predictOnce(tfjs(), webModel, image)]);
    expect(a.detections.length).toBeGreaterThanOrEqual(3);
    expect(b.detections.length).toBe(a.detections.length);
    for (const [one, other] of [
      [a, b],
      [b, a],
    ]) {
      for (const d of one.detections) {
        const best = Math.max(...other.detections.filter((e) => e.classId === d.classId).map((e) => boxIou(d.box, e.box)));
        expect(best, `${d.className} ${d.box.map((v) => v.toFixed(1))}`).toBeGreaterThanOrEqual(0.98);
      }
    }
  });
});

async function predictOnce(backend: Parameters<typeof createModel>[0]['backend'], file: string, image: string): Promise<Result> {
  const model = await createModel({ backend, model: fixturePath(file) });
  try {
    return await model.predict(fixturePath(image), { conf: 0.25 });
  } finally {
    await model.dispose();
  }
}
