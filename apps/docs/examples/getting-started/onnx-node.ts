// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';

const backend = onnx({
  executionProviders: ['cpu'], // the default; see "GPUs" below for CUDA
  intraOpNumThreads: 2, // threads inside one operator: the main lever on CPU speed
  graphOptimizationLevel: 'all',
});
const model = await createModel({ backend, model: 'yolov8n.onnx' });
console.log(model.info.runtime); // "onnxruntime-node 1.30.0 (cpu)"
await model.dispose();
