import { onnx } from '@yolokit/backend-onnx';
import { boxIou, createModel, type Result, type YoloModel } from '@yolokit/core';
import { expect, it } from 'vitest';
import { describeWithFixtures, fixturePath } from './support/fixtures.js';

function counts(result: Result): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of result.detections) out[d.className] = (out[d.className] ?? 0) + 1;
  return out;
}

function expectInside(result: Result): void {
  for (const d of result.detections) {
    const [x1, y1, x2, y2] = d.box;
    expect(x1).toBeGreaterThanOrEqual(0);
    expect(y1).toBeGreaterThanOrEqual(0);
    expect(x2).toBeLessThanOrEqual(result.width);
    expect(y2).toBeLessThanOrEqual(result.height);
    expect(x2).toBeGreaterThan(x1);
    expect(y2).toBeGreaterThan(y1);
  }
}

function maxPairIou(result: Result, crossClassOnly = false): number {
  let max = 0;
  const ds = result.detections;
  for (let i = 0; i < ds.length; i++) {
    for (let j = i + 1; j < ds.length; j++) {
      if (crossClassOnly && ds[i].classId === ds[j].classId) continue;
      max = Math.max(max, boxIou(ds[i].box, ds[j].box));
    }
  }
  return max;
}

const maxCrossClassIou = (result: Result) => maxPairIou(result, true);

/** Loads a fixture model, hands it to `body` and disposes it whatever happens. */
async function withModel(file: string, body: (model: YoloModel) => Promise<void>): Promise<void> {
  const model = await createModel({ backend: onnx(), model: fixturePath(file) });
  try {
    await body(model);
  } finally {
    await model.dispose();
  }
}

const bus = 'images/bus.jpg';
const zidane = 'images/zidane.jpg';

describeWithFixtures('known detections on the Ultralytics sample photos', [bus, zidane, 'models/yolov8n_int8.onnx', 'models/yolov10n_int8.onnx', 'models/face_yolo11n_filtered_int8.onnx'], () => {
  it('yolov8n_int8: bus.jpg has 4 persons and 1 bus above 0.4; zidane.jpg 2 persons', () =>
    withModel('models/yolov8n_int8.onnx', async (model) => {
      expect(model.info.metadata.classCount).toBe(80);
      expect(model.info.imgsz).toEqual([640, 640]);
      const busResult = await model.predict(fixturePath(bus), { conf: 0.4 });
      expect([busResult.width, busResult.height]).toEqual([810, 1080]);
      expect(counts(busResult)).toEqual({ person: 4, bus: 1 });
      expectInside(busResult);
      // The bus spans nearly the whole width of the photo.
      const theBus = busResult.detections.find((d) => d.className === 'bus')!;
      expect(theBus.box[2] - theBus.box[0]).toBeGreaterThan(700);
      const zidaneResult = await model.predict(fixturePath(zidane), { conf: 0.4 });
      expect([zidaneResult.width, zidaneResult.height]).toEqual([1280, 720]);
      expect(counts(zidaneResult).person).toBe(2);
      expectInside(zidaneResult);
    }));

  it('class filter and agnostic NMS change what is returned', () =>
    withModel('models/yolov8n_int8.onnx', async (model) => {
      const onlyBus = await model.predict(fixturePath(bus), { conf: 0.4, classes: [5] });
      expect(counts(onlyBus)).toEqual({ bus: 1 });
      const capped = await model.predict(fixturePath(bus), { conf: 0.001, maxDet: 7 });
      expect(capped.detections).toHaveLength(7);
      // Class-aware NMS keeps overlapping boxes of different classes; agnostic NMS keeps no pair above iou.
      const aware = await model.predict(fixturePath(bus), { conf: 0.05, iou: 0.1 });
      const agnostic = await model.predict(fixturePath(bus), { conf: 0.05, iou: 0.1, agnostic: true });
      expect(maxCrossClassIou(aware)).toBeGreaterThan(0.1);
      expect(maxPairIou(agnostic)).toBeLessThanOrEqual(0.1);
      expect(agnostic.detections.length).toBeLessThan(aware.detections.length);
    }));

  it('the face model finds the 2 faces in zidane.jpg', () =>
    withModel('models/face_yolo11n_filtered_int8.onnx', async (model) => {
      expect(model.names).toEqual({ 0: 'face' });
      const result = await model.predict(fixturePath(zidane), { conf: 0.4 });
      expect(counts(result)).toEqual({ face: 2 });
      expectInside(result);
    }));

  it('yolov10n_int8 (end-to-end, no NMS) finds the bus and the persons in bus.jpg', () =>
    withModel('models/yolov10n_int8.onnx', async (model) => {
      expect(model.outputFormatOf([1, 300, 6])).toBe('end2end');
      const result = await model.predict(fixturePath(bus), { conf: 0.4 });
      const c = counts(result);
      expect(c.bus).toBe(1);
      expect(c.person).toBeGreaterThanOrEqual(3);
      expectInside(result);
    }));
});
