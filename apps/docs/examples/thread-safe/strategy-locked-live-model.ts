import { onnx } from '@yolokit/backend-onnx';
import { AsyncLock, createPredictor } from '@yolokit/concurrency';
import { createModel } from '@yolokit/core';

// In this thread only, `locked` also takes a model you already loaded, and a lock you share with other code.
const model = await createModel({ backend: onnx({ intraOpNumThreads: 2 }), model: 'yolov8n.onnx' });
const lock = new AsyncLock();
const predictor = await createPredictor({ strategy: 'locked', model, lock });

// Other code that touches the same model takes the same lock, so it never runs between a prediction's awaits.
await lock.run(async () => {
  console.log((await model.predict('bus.jpg')).detections.length);
});
console.log((await predictor.predict('zidane.jpg')).detections.length);

await predictor.close(); // does not dispose a model it was handed
await model.dispose();
