import { type Backend, createModel } from '@yolokit/core';
import { loadCoco32 } from './coco-labels.js';
import { fixturePath } from './fixtures.js';
import { type DetectionMetrics, evaluateDetections } from './map-evaluator.js';

/**
 * COCO mAP of a model on coco32 with the reference settings of fixtures/PROVENANCE.md: conf 0.001,
 * class-aware NMS at IoU 0.7, at most 300 boxes.
 */
export async function coco32Map(backend: Backend, model: string): Promise<DetectionMetrics> {
  const images = await loadCoco32(fixturePath('coco32'));
  const loaded = await createModel({ backend, model: fixturePath(model) });
  try {
    const evaluated = [];
    for (const image of images) {
      const result = await loaded.predict(image.imagePath, { conf: 0.001, iou: 0.7, maxDet: 300 });
      evaluated.push({
        groundTruth: image.groundTruth,
        predictions: result.detections.map((d) => ({ classId: d.classId, box: d.box, confidence: d.confidence })),
      });
    }
    return evaluateDetections(evaluated);
  } finally {
    await loaded.dispose();
  }
}
