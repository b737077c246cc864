// Linux x64 with CUDA 12 and cuDNN 9; install without skipping onnxruntime-node's CUDA download:
//   ONNXRUNTIME_NODE_INSTALL=cuda12 npm install @yolokit/core @yolokit/backend-onnx
import { onnx } from '@yolokit/backend-onnx';
import { BackendUnavailableError, createModel } from '@yolokit/core';

try {
  // 'cpu' last runs the operators CUDA lacks. Every provider listed must be available: no silent fallback.
  const model = await createModel({ backend: onnx({ executionProviders: [{ name: 'cuda', deviceId: 0 }, 'cpu'] }), model: 'yolov8n.onnx' });
  console.log(model.info.runtime); // "onnxruntime-node 1.30.0 (cuda, cpu)"
  await model.dispose();
} catch (error) {
  if (!(error instanceof BackendUnavailableError)) throw error;
  console.error(error.message); // says why: not installed, libraries missing, no device
  console.error('available here:', error.available); // e.g. ['cpu', 'webgpu']
}
