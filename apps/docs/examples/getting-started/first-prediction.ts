// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node
import { onnx } from '@yolokit/backend-onnx';
import { createModel } from '@yolokit/core';

const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx' });
const result = await model.predict('bus.jpg', { conf: 0.4 });
for (const detection of result.detections) {
  // box: [x1, y1, x2, y2] in the original image's pixels
  console.log(detection.className, detection.confidence.toFixed(2), detection.box);
}
console.log(result.speed); // { preprocess, inference, postprocess } in milliseconds
await model.dispose();
