import { onnx } from '@yolokit/backend-onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { coco32SegmentationMap, type SegmentationMetrics } from './support/coco32-map.js';
import { describeWithFixtures } from './support/fixtures.js';
import { opencvLetterboxDecoder } from './support/opencv-letterbox-decoder.js';

// Reference figures of yolov8n-seg_int8.onnx on coco32 (fixtures/PROVENANCE.md): an independent pipeline (a
// bilinear letterbox; conf 0.001, class-aware NMS 0.7, 300 kept; Ultralytics' process_mask upsample then
// scale_masks, a pixel set where the scaled value is 1.0), mask IoU against the polygons rasterised at image
// size (here by pixel centre, test/support/mask-iou.ts; pycocotools' frPoly instead moves mask mAP50-95 by at
// most 0.002).
const MODEL = 'models/yolov8n-seg_int8.onnx';
const REFERENCE = { maskMap50: 0.515, maskMap5095: 0.301, boxMap50: 0.532, boxMap5095: 0.395 };
const MASK_TOLERANCE = 0.02;
const BOX_TOLERANCE = 0.01;

// What moves these figures besides the pipeline (measured with this suite's evaluator): at 320 every coco32
// image is about halved, and this dynamic-int8 model moves with the resize kernel alone. Box mAP50-95 over the
// same pixels resized seven ways: libvips linear 0.379 (the Node default, with or without JPEG shrink-on-load),
// PIL bilinear 0.380, OpenCV INTER_AREA 0.390, libvips cubic 0.392, lanczos3 0.394, OpenCV INTER_LINEAR 0.398
// (core's `letterboxPixels`, byte for byte cv2.resize since issue 13; 0.402 with its earlier float rounding),
// nearest 0.413 (`node bench/resize-kernel-map.mjs --models yolov8n-seg_int8.onnx` for the libvips ones); the
// dither of that script (±1 level of seeded noise on half the pixels) after the OpenCV resize moves box
// mAP50-95 between 0.392 and 0.414 and mask mAP50-95 between 0.308 and 0.320 over 6 seeds.
// Which resize the reference used is not stated. Its pose reference (reference/pose-bus-zidane.json, same
// provenance) is matched to 1.3 px by antialiased resizes (libvips, PIL) and only to 3 to 6 px by OpenCV's
// INTER_LINEAR or INTER_AREA, which points to an antialiased one; with those, box mAP50-95 lands 0.015-0.016 under
// the reference here, as yolo11n_int8_320 (the other 320 model) does in test/accuracy-onnx.test.ts. An
// independent decode of the same raw outputs (best class per anchor, class-aware NMS 0.7, 300 kept) gives
// core's box figures to 4 digits, and dropping detections whose mask is empty at image size changes nothing,
// so the gap is not in the decoder, NMS or box mapping. (Multi-label NMS, as Ultralytics' validator runs it,
// would add 0.027.) So:
// - with the Node default (sharp) the mask figure is held to the 0.02; the box figure, 0.016 under,
//   is held to 0.025 with the gap stated here rather than hidden;
// - with Ultralytics' own resize (OpenCV INTER_LINEAR, core's `letterboxPixels`, which browsers use) both
//   figures are held to the tolerances, box 0.01 and mask 0.02: the same decode and masks land on the
//   reference there.
const DEFAULT_DECODER_BOX_TOLERANCE = 0.025;

function report(label: string, m: SegmentationMetrics): void {
  console.log(
    `${MODEL} ${label}: mask mAP50 ${m.mask.map50.toFixed(4)} (ref ${REFERENCE.maskMap50}), mask mAP50-95 ${m.mask.map5095.toFixed(4)} (ref ${REFERENCE.maskMap5095}); ` +
      `box mAP50 ${m.box.map50.toFixed(4)} (ref ${REFERENCE.boxMap50}), box mAP50-95 ${m.box.map5095.toFixed(4)} (ref ${REFERENCE.boxMap5095}); ${m.predictions} detections`,
  );
}

describeWithFixtures('yolov8n-seg_int8 on coco32: mask and box mAP match the reference', ['coco32/images', 'coco32/labels', 'coco32/seg-labels', MODEL], () => {
  describe('with the Node default decoder (sharp)', () => {
    let metrics: SegmentationMetrics;
    beforeAll(async () => {
      metrics = await coco32SegmentationMap(onnx({ intraOpNumThreads: 2 }), MODEL);
      report('sharp letterbox', metrics);
    });

    it(`mask mAP50-95 within ${MASK_TOLERANCE} of ${REFERENCE.maskMap5095}`, () => {
      expect(Math.abs(metrics.mask.map5095 - REFERENCE.maskMap5095)).toBeLessThanOrEqual(MASK_TOLERANCE);
    });

    it(`box mAP50-95 within ${DEFAULT_DECODER_BOX_TOLERANCE} of ${REFERENCE.boxMap5095} (the resize gap above)`, () => {
      expect(Math.abs(metrics.box.map5095 - REFERENCE.boxMap5095)).toBeLessThanOrEqual(DEFAULT_DECODER_BOX_TOLERANCE);
    });
  });

  describe("with Ultralytics' resize (OpenCV INTER_LINEAR letterbox)", () => {
    let metrics: SegmentationMetrics;
    beforeAll(async () => {
      metrics = await coco32SegmentationMap(onnx({ intraOpNumThreads: 2 }), MODEL, { imageDecoder: opencvLetterboxDecoder() });
      report('OpenCV letterbox', metrics);
    });

    it(`mask mAP50-95 within ${MASK_TOLERANCE} of ${REFERENCE.maskMap5095}`, () => {
      expect(Math.abs(metrics.mask.map5095 - REFERENCE.maskMap5095)).toBeLessThanOrEqual(MASK_TOLERANCE);
      // mAP50 moves more with the noise above (0.505 to 0.536 over the seeds): held to twice the tolerance.
      expect(Math.abs(metrics.mask.map50 - REFERENCE.maskMap50)).toBeLessThanOrEqual(2 * MASK_TOLERANCE);
    });

    it(`box mAP50-95 within ${BOX_TOLERANCE} of ${REFERENCE.boxMap5095}`, () => {
      expect(Math.abs(metrics.box.map5095 - REFERENCE.boxMap5095)).toBeLessThanOrEqual(BOX_TOLERANCE);
      expect(Math.abs(metrics.box.map50 - REFERENCE.boxMap50)).toBeLessThanOrEqual(BOX_TOLERANCE + 0.01);
    });
  });
});
