// In a browser bundle (Vite, webpack, esbuild): npm install @yolokit/core @yolokit/backend-onnx
import { onnxWeb } from '@yolokit/backend-onnx/web';
import { createModel } from '@yolokit/core';

const model = await createModel({
  backend: onnxWeb({
    executionProviders: ['webgpu', 'wasm'], // WebGPU where the browser has it; keep 'wasm' last as the fallback
    wasmPaths: '/ort/', // where you serve node_modules/onnxruntime-web/dist/*.wasm (and .mjs)
  }),
  model: '/models/yolov8n.onnx', // a URL, resolved against the page
});

const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
input.addEventListener('change', async () => {
  const file = input.files?.[0];
  if (!file) return;
  // Encoded bytes are decoded with createImageBitmap and letterboxed in JavaScript, exactly like Ultralytics.
  const result = await model.predict(new Uint8Array(await file.arrayBuffer()));
  console.log(result.detections.map((d) => `${d.className} ${d.confidence.toFixed(2)}`));
});
