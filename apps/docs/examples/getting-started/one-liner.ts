// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node
// yolo() is createModel({ backend: onnx(), model, defaults }) in one call, for the common case.
import { yolo } from '@yolokit/backend-onnx';

const model = await yolo('yolov8n.onnx', { conf: 0.4 }); // the model's defaults, as createModel's `defaults`
const result = await model.predict('bus.jpg');
console.log(result.detections.map((d) => `${d.className} ${d.confidence.toFixed(2)}`));
// A call still overrides the model's defaults; the runtime's own options go under `runtime`.
const more = await model.predict('bus.jpg', { conf: 0.25 });
console.log(more.detections.length);
await model.dispose();

const tuned = await yolo('yolov8n.onnx', { runtime: { intraOpNumThreads: 2 } });
await tuned.dispose();
