// tiny-onnx-backend.test.ts in your package: vitest (or jest) runs the suite of @yolokit/core against the backend.
import { backendConformanceSuite } from '@yolokit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyOnnx } from './tiny-onnx-backend.js';

backendConformanceSuite(
  {
    backend: () => tinyOnnx({ threads: 1 }),
    validModel: 'models/yolov8n.onnx',
    expected: { layout: 'NCHW', inputShape: [1, 3, 640, 640], outputShape: [1, 84, 8400], classCount: 80 },
    invalidModel: 'README.md', // exists, but is not a model
    missingModel: 'models/does-not-exist.onnx',
    // A segmentation export: two outputs, detections and mask prototypes (at imgsz 640).
    twoOutputModel: { model: 'models/yolov8n-seg.onnx', outputShapes: [[1, 116, 8400], [1, 32, 160, 160]] },
    skip: [], // list a check here, by id, to report it as skipped rather than hide it
  },
  { describe, it, expect, afterAll },
);
