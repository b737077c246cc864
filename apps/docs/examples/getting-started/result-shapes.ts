import { onnx } from '@yolokit/backend-onnx';
import { createModel, Result } from '@yolokit/core';

const model = await createModel({ backend: onnx(), model: 'yolov8n.onnx', defaults: { conf: 0.4 } });
console.log(model.info.imgsz, model.info.runtime, model.names[0]); // [640, 640] 'onnxruntime-node 1.30.0 (cpu)' 'person'

// #region options
const result = await model.predict('bus.jpg', {
  conf: 0.5, // minimum confidence
  iou: 0.6, // NMS threshold
  classes: [0, 5], // person and bus only
  maxDet: 50,
  signal: AbortSignal.timeout(5_000),
});
// #endregion options

// #region shapes
const [first] = result.detections; // most confident first
console.log(first.xyxy, first.xywh, first.xyxyn, first.xywhn);
const json = result.toJSON(); // what `yolokit predict --json` writes per image
const again = Result.fromJSON(json); // e.g. after crossing a thread or a network
console.log(again.detections.length === result.detections.length);
// #endregion shapes

await model.dispose();
