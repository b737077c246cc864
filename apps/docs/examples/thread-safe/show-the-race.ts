// Run it: the unsafe strategy returns results for the wrong images, the locked one never does.
import { onnx } from '@yolokit/backend-onnx';
import { createPredictor, StatefulDemoModel, type Strategy } from '@yolokit/concurrency';
import { createModel, type Result } from '@yolokit/core';

const images = ['bus.jpg', 'zidane.jpg'];
const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx' });
const expected = new Map<string, Result>();
for (const image of images) expected.set(image, await model.predict(image));

async function wrongResults(strategy: Extract<Strategy, 'unsafe-shared' | 'locked'>): Promise<number> {
  // StatefulDemoModel keeps the image on the instance across an await, as Ultralytics' predictor once did.
  const predictor = await createPredictor({ strategy, model: new StatefulDemoModel(model) });
  const calls = Array.from({ length: 16 }, (_, i) => images[i % images.length]);
  const results = await Promise.all(calls.map((image) => predictor.predict(image)));
  await predictor.close(); // a live model handed in is not disposed by the predictor
  return results.filter((result, i) => result.detections.length !== expected.get(calls[i])!.detections.length).length;
}

console.log('unsafe-shared, wrong results:', await wrongResults('unsafe-shared')); // some: results of the other image
console.log('locked, wrong results:', await wrongResults('locked')); // 0
await model.dispose();
