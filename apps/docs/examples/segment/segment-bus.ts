// npm install @yolokit/core @yolokit/backend-onnx @yolokit/cli
import { onnx } from '@yolokit/backend-onnx';
import { annotateImage } from '@yolokit/cli';
import { createModel, Mask, Result } from '@yolokit/core';

// #region predict
const model = await createModel({ backend: onnx(), model: 'yolov8n-seg.onnx' });
console.log(model.info.task); // 'segment': read from the model's metadata, confirmed by its two outputs

const result = await model.predict('bus.jpg', { conf: 0.25 });
for (const { className, confidence, box, mask } of result.detections) {
  // Every detection of a segmentation model has a mask: the pixels of the original image that are the object.
  console.log(className, confidence.toFixed(2), box.map(Math.round), mask?.area); // bus 0.92 [23, 235, 803, 737] 252855
}
// #endregion predict

// #region mask
const bus = result.detections.find((d) => d.className === 'bus');
const mask = bus?.mask;
if (bus && mask) {
  console.log(mask.imageWidth, mask.imageHeight); // 810 1080: the size of the photo, not of the model's input
  console.log(mask.rect); // [x, y, width, height]: where its pixels are (stored cropped to that, bit-packed)
  console.log(mask.has(400, 500)); // is image pixel (400, 500) part of the bus?

  const bitmap = mask.toBitmap(); // Uint8Array(810 × 1080), row-major, 1 inside, 0 outside
  console.log(bitmap.length, bitmap.reduce((sum, v) => sum + v, 0) === mask.area);

  const outline = mask.polygon(); // the largest outer contour, [[x, y], ...] (Ultralytics' masks2segments)
  console.log(outline.length, mask.polygons().length); // points of the outline; outlines of every separate part

  const rle = mask.toRle(); // COCO's compressed RLE, as pycocotools writes it: { size: [h, w], counts: '…' }
  console.log(rle.size, Mask.fromRle(rle).area === mask.area);
}
// #endregion mask

// #region json
const json = result.toJSON({ segments: true }); // what `yolokit predict --json --segments` writes per image
console.log(json.task, json.detections[0].mask?.counts.slice(0, 12), json.detections[0].segments?.length);
const again = Result.fromJSON(json); // masks rebuilt from their RLE
console.log(again.detections[0].mask?.area === result.detections[0].mask?.area);
// #endregion json

// #region retina
// Masks at the photo's own resolution (Ultralytics' retina_masks=True): sharper edges, slower postprocess.
const retina = await model.predict('bus.jpg', { retinaMasks: true });
console.log(retina.detections.map((d) => d.mask?.area));
// #endregion retina

// #region draw
// Translucent masks, boxes and labels, drawn as `yolokit predict --save` draws them.
await annotateImage('bus.jpg', result, 'bus-segmented.jpg');
// #endregion draw

await model.dispose();
