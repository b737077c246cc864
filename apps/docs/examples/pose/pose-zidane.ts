// npm install @yolokit/core @yolokit/backend-onnx @yolokit/cli
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel, KEYPOINT_VISIBILITY_THRESHOLD } from '@yolokit/core';

/** COCO's 17 person keypoints, in the order Ultralytics' pose models give them. */
const KEYPOINT_NAMES = [
  'nose', 'left eye', 'right eye', 'left ear', 'right ear', 'left shoulder', 'right shoulder', 'left elbow',
  'right elbow', 'left wrist', 'right wrist', 'left hip', 'right hip', 'left knee', 'right knee', 'left ankle', 'right ankle',
];

// #region predict
const model = await createModel({ backend: onnx(), model: 'yolo11n-pose.onnx' });
console.log(model.info.task, model.info.metadata.kptShape); // 'pose' [17, 3]: 17 keypoints of (x, y, visibility)

const result = await model.predict('zidane.jpg', { conf: 0.25 });
for (const person of result.detections) {
  const keypoints = person.keypoints!; // in the original image's pixels, like the box
  console.log(person.className, person.confidence.toFixed(2), keypoints.count); // person 0.89 17
  const [x, y] = keypoints.xy[0]; // the nose
  const visibility = keypoints.visibility?.[0]; // 0..1: how sure the model is that the point is visible
  console.log(KEYPOINT_NAMES[0], Math.round(x), Math.round(y), visibility?.toFixed(2));
}
// #endregion predict

// #region skeleton
// The limbs to draw: pairs of keypoint indices (COCO's skeleton for 17-point models). Like Ultralytics, leave out
// keypoints the model barely sees (KEYPOINT_VISIBILITY_THRESHOLD, 0.25) and their limbs.
const [first] = result.detections;
const seen = (k: number) => (first.keypoints!.visibility?.[k] ?? 1) >= KEYPOINT_VISIBILITY_THRESHOLD;
for (const [a, b] of result.skeleton ?? []) {
  if (seen(a) && seen(b)) console.log(`${KEYPOINT_NAMES[a]} – ${KEYPOINT_NAMES[b]}`);
}
// #endregion skeleton

// #region json
const json = result.toJSON(); // what `yolokit predict --json` writes per image
console.log(json.task, json.skeleton?.length, json.detections[0].keypoints?.[0]); // 'pose' 19 [x, y, visibility]
// #endregion json

// #region draw
// Keypoints and limbs in Ultralytics' colours over the boxes, as `yolokit predict --save` draws them.
await annotateImage('zidane.jpg', result, 'zidane-pose.jpg');
// #endregion draw

await model.dispose();
