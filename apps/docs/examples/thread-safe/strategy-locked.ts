import { createPredictor } from '@yolokit/concurrency';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

// One model instance; every call waits its turn behind a FIFO lock. All cores go to one session.
const predictor = await createPredictor({
  strategy: 'locked',
  model: { backend: onnxSpec(), model: 'yolov8n.onnx' },
  threadsPerWorker: 2, // intra-op threads of the one session (default: every core)
});
try {
  // Safe to call from anywhere, any number at once: calls never interleave on the model.
  const results = await Promise.all(['bus.jpg', 'zidane.jpg'].map((image) => predictor.predict(image, { conf: 0.4 })));
  console.log(results.map((result) => result.detections.length));
} finally {
  await predictor.close();
}
