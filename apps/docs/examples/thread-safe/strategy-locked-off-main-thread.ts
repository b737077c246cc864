import { createPredictor } from '@yolokit/concurrency';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

// The same single instance, but in one worker thread: inference never blocks this event loop.
const predictor = await createPredictor({
  strategy: 'locked',
  offMainThread: true,
  model: { backend: onnxSpec(), model: '/models/yolov8n.onnx' },
});
const result = await predictor.predict('bus.jpg');
console.log(result.detections.length, predictor.stats().workers);
await predictor.close();
