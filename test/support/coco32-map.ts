import { type Backend, createModel, type ImageDecoder } from '@yolokit/core';
import { loadCoco32 } from './coco-labels.js';
import { fixturePath } from './fixtures.js';
import { type GroundTruthInstance, loadCoco32Segments } from './coco-segment-labels.js';
import { type DetectionMetrics, type EvaluationImage, evaluateDetections } from '@yolokit/default-model';
import { maskIou, type RegionMask, regionFromMask } from './mask-iou.js';

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

/** Box and mask mAP of a segmentation model on coco32, from one pass of predictions. */
export interface SegmentationMetrics {
  box: DetectionMetrics;
  mask: DetectionMetrics;
  /** Predictions kept (with a non-empty mask) over the 32 images. */
  predictions: number;
}

/**
 * Box and mask COCO mAP of a segmentation model on coco32 with the reference settings of
 * fixtures/PROVENANCE.md (conf 0.001, class-aware NMS at IoU 0.7, at most 300): boxes against `labels/`, masks
 * against the polygons of `seg-labels/` rasterised at image size (mask-iou.ts).
 */
export async function coco32SegmentationMap(
  backend: Backend,
  model: string,
  options: { retinaMasks?: boolean; imageDecoder?: ImageDecoder } = {},
): Promise<SegmentationMetrics> {
  const images = await loadCoco32Segments(fixturePath('coco32'));
  const loaded = await createModel({ backend, model: fixturePath(model), imageDecoder: options.imageDecoder });
  try {
    const boxes: EvaluationImage[] = [];
    const masks: EvaluationImage<GroundTruthInstance, PredictedInstance>[] = [];
    let predictions = 0;
    for (const image of images) {
      const result = await loaded.predict(image.imagePath, { conf: 0.001, iou: 0.7, maxDet: 300, retinaMasks: options.retinaMasks });
      if (result.width !== image.width || result.height !== image.height) {
        throw new Error(`${image.id}: the model saw ${result.width}x${result.height}, the labels are for ${image.width}x${image.height}`);
      }
      const detections = result.detections;
      predictions += detections.length;
      boxes.push({ groundTruth: image.groundTruth, predictions: detections.map((d) => ({ classId: d.classId, box: d.box, confidence: d.confidence })) });
      masks.push({
        groundTruth: image.instances,
        predictions: detections.map((d) => {
          if (!d.mask) throw new Error(`${image.id}: a segmentation detection without a mask`);
          return { classId: d.classId, confidence: d.confidence, mask: regionFromMask(d.mask) };
        }),
      });
    }
    return {
      box: evaluateDetections(boxes),
      mask: evaluateDetections(masks, { iou: (p, g) => maskIou(p.mask, g.mask) }),
      predictions,
    };
  } finally {
    await loaded.dispose();
  }
}

interface PredictedInstance {
  classId: number;
  confidence: number;
  mask: RegionMask;
}
