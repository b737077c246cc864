import { createPredictor } from '@yolokit/concurrency';
import { onnxSpec } from '@yolokit/backend-onnx/spec';

// An instance per worker thread, each loaded once and kept warm. Workers × threadsPerWorker ≤ cores by default.
const predictor = await createPredictor({
  strategy: 'threads',
  workers: 2,
  threadsPerWorker: 1,
  model: {
    backend: onnxSpec(), // data, not a live object: it crosses to workers
    model: '/models/yolov8n.onnx', // or the model's bytes (Uint8Array)
    defaults: { conf: 0.4 },
  },
  maxQueue: 256, // one more waiting task rejects at once with QUEUE_FULL
  taskTimeoutMs: 10_000, // submission to result, queue wait included: TIMEOUT
});
try {
  const results = await predictor.predictMany(['a.jpg', 'b.jpg', 'c.jpg'], { classes: [0] }, {
    onProgress: ({ completed, total }) => console.log(`${completed}/${total}`),
  });
  console.log(results.map((result) => result.detections.length)); // input order
  const { completed, runTimeMs, waitTimeMs } = predictor.stats();
  console.log(completed, runTimeMs.p50, waitTimeMs.p99);
} finally {
  await predictor.close(); // drains, disposes every model, waits for every thread to exit
}
