import { createPredictor } from '@yolokit/concurrency';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

// An instance per child process: for runtimes that are not safe in worker threads (tfjs-node, tfjs-node-gpu),
// and when a crash must cost one task, not your process.
const predictor = await createPredictor({
  strategy: 'processes',
  workers: 2,
  model: { backend: onnxSpec(), model: '/models/yolov8n.onnx' },
  retryOnWorkerDeath: true, // a task whose process died runs once more on another one
});
try {
  const result = await predictor.predict('bus.jpg', { conf: 0.4 }, { signal: AbortSignal.timeout(5_000) });
  console.log(result.detections.length);
} finally {
  await predictor.close();
}
