// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node @yolokit/cli
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel } from '@yolokit/core';

// #region predict
const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx' });
console.log(model.info.task); // 'detect'

const result = await model.predict('bus.jpg', { conf: 0.25 });
for (const d of result.detections) {
  // Boxes in the original image's pixels: corners, centre and size, and both normalised to 0..1.
  console.log(d.className, d.confidence.toFixed(2), d.xyxy.map(Math.round), d.xywhn.map((v) => v.toFixed(3)));
}
// #endregion predict

// #region json
const json = result.toJSON(); // what `yolokit predict --json` writes per image: no `task` field for detection
console.log(json.width, json.height, json.detections.length, Object.keys(json.detections[0]));
// #endregion json

// #region draw
await annotateImage('bus.jpg', result, 'bus-detected.jpg');
// #endregion draw

await model.dispose();
