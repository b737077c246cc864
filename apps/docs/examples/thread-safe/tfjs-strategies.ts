import { createPredictor, type ModelSpec } from '@yolokit/concurrency';
import { tfjsSpec } from '@yolokit/backend-tfjs/spec';

// TF.js keeps engine-wide state, and its graph executor keeps per-model state across awaits.
const wasm: ModelSpec = {
  backend: tfjsSpec({ runtime: 'wasm' }),
  model: '/models/yolov8n_web_model/',
};

// One shared TF.js model in this thread: behind the lock, never 'unsafe-shared'.
const locked = await createPredictor({ strategy: 'locked', model: wasm });
// The wasm runtime also works in worker threads: each has its own TF.js and its own copy of the weights.
const threads = await createPredictor({ strategy: 'threads', workers: 2, model: wasm });
// tfjs-node and tfjs-node-gpu are not reliable in worker threads: give each instance its own process.
const native = await createPredictor({
  strategy: 'processes',
  workers: 2,
  model: { ...wasm, backend: { ...wasm.backend, options: { runtime: 'tfjs-node' } } },
});

for (const predictor of [locked, threads, native]) {
  console.log(predictor.strategy, (await predictor.predict('bus.jpg')).detections.length);
  await predictor.close();
}
