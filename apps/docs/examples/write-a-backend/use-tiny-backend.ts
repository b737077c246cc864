import { createPredictor } from '@yolokit/concurrency';
import { createModel } from '@yolokit/core';
import { tinyOnnx } from './tiny-onnx-backend.js';

// #region model
const model = await createModel({ backend: tinyOnnx({ threads: 2 }), model: 'yolov8n.onnx' });
console.log(model.info.backend, (await model.predict('bus.jpg')).detections.length);
await model.dispose();
// #endregion model

// #region predictor
// Workers import the backend themselves: name its module (absolute, or a file: URL), its export and options.
const predictor = await createPredictor({
  strategy: 'threads',
  workers: 2,
  model: {
    backend: {
      module: new URL('./tiny-onnx-backend.js', import.meta.url).href,
      export: 'tinyOnnx',
      options: {}, // passed to tinyOnnx(); must be plain data
      threadsOption: 'threads', // which option receives threadsPerWorker
    },
    model: '/models/yolov8n.onnx',
  },
});
console.log((await predictor.predict('bus.jpg')).detections.length);
await predictor.close();
// #endregion predictor
