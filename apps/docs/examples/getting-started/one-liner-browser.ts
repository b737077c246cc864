// In a browser bundle: npm install @yolokit/core @yolokit/backend-onnx onnxruntime-web
// The /web entry's yolo() is the same one-liner on onnxruntime-web (WebAssembly, or WebGPU when asked for).
import { yolo } from '@yolokit/backend-onnx/web';

const model = await yolo('/models/yolov8n.onnx', {
  conf: 0.4,
  runtime: { executionProviders: ['webgpu', 'wasm'], wasmPaths: '/ort/' },
});
const bytes = new Uint8Array(await (await fetch('/images/bus.jpg')).arrayBuffer());
const result = await model.predict(bytes);
console.log(result.detections.map((d) => d.className));
