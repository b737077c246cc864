// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node @yolokit/cli @yolokit/default-model sharp
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel } from '@yolokit/core';
import { generateRotatedScene, OBB_MODEL_PREDICT_DEFAULTS, rotatedBoxIou, taskModelPath } from '@yolokit/default-model';
import sharp from 'sharp';

// #region predict
// yolokit's own oriented-box model (rectangles, ellipses, triangles at any angle), trained on generated scenes;
// a yolov8n-obb.onnx exported by Ultralytics loads the same way.
const model = await createModel({ backend: onnx(), model: taskModelPath('obb'), defaults: OBB_MODEL_PREDICT_DEFAULTS });
console.log(model.info.task, model.info.metadata.names); // 'obb' { 0: 'rectangle', 1: 'ellipse', 2: 'triangle' }

// A scene of turned shapes with their exact oriented boxes, as raw RGB pixels that predict() takes as they are.
const scene = generateRotatedScene(4, { size: 320 });
const result = await model.predict(scene);
for (const d of result.detections) {
  const { cx, cy, w, h, angle } = d.obb!; // centre, sides and turn (radians, in [0, π/2)), in image pixels
  console.log(d.className, d.confidence.toFixed(2), [cx, cy, w, h].map(Math.round), `${((angle * 180) / Math.PI).toFixed(1)}°`);
}
// How well each shape was found: the rotated IoU of its best box of the same class.
for (const truth of scene.objects) {
  const best = Math.max(0, ...result.detections.filter((d) => d.classId === truth.classId).map((d) => rotatedBoxIou(d.obb!, truth.obb)));
  console.log(truth.className, best.toFixed(2));
}
// #endregion predict

// #region corners
const [first] = result.detections;
console.log(first.corners); // [[x, y] × 4]: the turned box's corners (Ultralytics' xyxyxyxy)
console.log(first.box); // [x1, y1, x2, y2]: the corners' extent (Ultralytics' OBB.xyxy)
// #endregion corners

// #region json
const json = result.toJSON(); // what `yolokit predict --json` writes per image
console.log(json.task, Object.keys(json.detections[0])); // 'obb' [ 'box', 'confidence', 'classId', 'className', 'obb', 'corners' ]
// #endregion json

// #region draw
// Turned boxes in the class colours, labels at their first corner, as `yolokit predict --save` draws them.
await sharp(Buffer.from(scene.data), { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toFile('scene.png');
await annotateImage('scene.png', result, 'scene-obb.png');
// #endregion draw

await model.dispose();
