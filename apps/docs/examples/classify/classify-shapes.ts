// npm install @yolokit/core @yolokit/backend-onnx onnxruntime-node @yolokit/cli @yolokit/default-model sharp
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel, YoloError } from '@yolokit/core';
import { generatePicture, taskModelPath } from '@yolokit/default-model';
import sharp from 'sharp';

// #region predict
// yolokit's own shapes classifier (circle, square, triangle, ring); a yolo11n-cls.onnx exported by Ultralytics
// loads the same way.
const model = await createModel({ backend: onnx(), model: taskModelPath('classify') });
console.log(model.info.task, model.info.imgsz); // 'classify' [64, 64]

// A 160x160 picture of one shape: resized on its short side to 64 and centre-cropped, as Ultralytics does.
const picture = generatePicture(8, { size: 160 });
const result = await model.predict(picture);
console.log(picture.className, result.top1!.className, result.top1!.confidence.toFixed(3)); // ring ring 1.000
for (const { classId, className, confidence } of result.top5!) console.log(classId, className, confidence.toFixed(3));
console.log(result.probs!.length, result.detections.length); // 4 0: every class's probability, no boxes
// #endregion predict

// #region options
// NMS options mean nothing to a classifier: it refuses them instead of ignoring them.
try {
  await model.predict(picture, { iou: 0.5 });
} catch (error) {
  if (YoloError.isInstance(error)) console.log(error.code); // INVALID_OPTION
}
// #endregion options

// #region json
const json = result.toJSON(); // what `yolokit predict --json` writes per image
console.log(json.task, json.probs!.length, json.top5![0].className, json.detections.length); // 'classify' 4 'ring' 0
// #endregion json

// #region draw
// The top five written on the picture, as `yolokit predict --save` and Ultralytics' Results.plot do.
await sharp(Buffer.from(picture.data), { raw: { width: picture.width, height: picture.height, channels: 3 } }).png().toFile('picture.png');
await annotateImage('picture.png', result, 'picture-classified.png');
// #endregion draw

await model.dispose();
