import { createPredictor } from '@yolokit/concurrency';
import { createModel } from '@yolokit/core';
import { tinyOnnx, tinyOnnxSpec } from './tiny-onnx-backend.js';

// #region model
const model = await createModel({ backend: tinyOnnx({ threads: 2 }), model: 'yolov8n.onnx' });
console.log(model.info.backend, (await model.predict('bus.jpg')).detections.length);
await model.dispose();
// #endregion model

// #region predictor
// Workers import the backend themselves: tinyOnnxSpec() describes it as data (module, export, options, thread option).
const predictor = await createPredictor({ strategy: 'threads', workers: 2, model: { backend: tinyOnnxSpec(), model: '/models/yolov8n.onnx' } });
console.log(predictor.info?.runtime); // onnxruntime-node 1.30.0 (cpu, 1 intra-op threads): threadsPerWorker reached it
console.log((await predictor.predict('bus.jpg')).detections.length);
await predictor.close();
// #endregion predictor
