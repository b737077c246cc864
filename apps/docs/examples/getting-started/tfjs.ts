// npm install @yolokit/core @yolokit/backend-tfjs
import { tfjs } from '@yolokit/backend-tfjs';
import { createModel } from '@yolokit/core';

const backend = tfjs(); // 'auto': tfjs-node-gpu, tfjs-node (when installed), then wasm, then cpu
const { runtime, skipped } = await backend.selectRuntime();
console.log(`TF.js runs on ${runtime}`, skipped); // why faster runtimes were passed over

const model = await createModel({ backend, model: 'yolov8n_web_model/' }); // the folder `format=tfjs` writes
console.log((await model.predict('bus.jpg')).detections.length, model.info.runtime);
await model.dispose();
