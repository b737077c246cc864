import type { YoloModel } from '@yolokit/core';
import { CLASS_NAMES } from '../class-names.js';
import { generatePicture } from '../generate-picture.js';
import { generateRotatedScene } from '../generate-rotated-scene.js';
import { type EvaluatedImage, type MeanAveragePrecision, meanAveragePrecision } from '../mean-average-precision.js';
import { rotatedBoxIou } from '../rotated-iou.js';
import { VALIDATION_SETTINGS } from './evaluate.js';

/**
 * mAP of an oriented-box model on rotated scenes `firstSeed … firstSeed + count − 1` (`size` × `size`), through
 * core's pipeline at Ultralytics' validation settings, detections matched to the ground truth by the polygon IoU
 * of their oriented boxes.
 */
export async function evaluateObbModel(model: YoloModel, firstSeed: number, count: number, options: { size: number; maxObjects: number }): Promise<MeanAveragePrecision> {
  const images: EvaluatedImage[] = [];
  for (let i = 0; i < count; i++) {
    const scene = generateRotatedScene(firstSeed + i, { size: options.size, maxObjects: options.maxObjects });
    const result = await model.predict(scene, VALIDATION_SETTINGS);
    images.push({
      detections: result.detections.map((d) => {
        const o = d.obb ?? { cx: 0, cy: 0, w: 0, h: 0, angle: 0 };
        return { box: [o.cx, o.cy, o.w, o.h, o.angle], classId: d.classId, confidence: d.confidence };
      }),
      truths: scene.objects.map((o) => ({ box: [o.obb.cx, o.obb.cy, o.obb.w, o.obb.h, o.obb.angle], classId: o.classId })),
    });
  }
  return meanAveragePrecision(images, { iou: rotatedBoxIou });
}

/** How a classifier did on generated pictures. */
export interface ClassifierEvaluation {
  readonly pictures: number;
  /** Share of pictures whose most probable class is the right one. */
  readonly top1: number;
  /** Share of pictures whose right class is among the two most probable. */
  readonly top2: number;
  /** Top-1 accuracy per class, in class order. */
  readonly perClass: readonly { readonly class: string; readonly pictures: number; readonly top1: number }[];
  /** `confusion[truth][predicted]`: picture counts. */
  readonly confusion: readonly (readonly number[])[];
}

/** Top-1 accuracy of a classifier on pictures `firstSeed … firstSeed + count − 1` of `size` × `size`, through core. */
export async function evaluateClassifier(model: YoloModel, firstSeed: number, count: number, size: number): Promise<ClassifierEvaluation> {
  const confusion = CLASS_NAMES.map(() => CLASS_NAMES.map(() => 0));
  let top2 = 0;
  for (let i = 0; i < count; i++) {
    const picture = generatePicture(firstSeed + i, { size });
    const result = await model.predict(picture);
    const top = result.top5 ?? [];
    confusion[picture.classId][top[0]?.classId ?? 0]++;
    if (top.slice(0, 2).some((c) => c.classId === picture.classId)) top2++;
  }
  const right = confusion.reduce((n, row, k) => n + row[k], 0);
  return {
    pictures: count,
    top1: right / count,
    top2: top2 / count,
    perClass: CLASS_NAMES.map((name, k) => {
      const total = confusion[k].reduce((a, b) => a + b, 0);
      return { class: name, pictures: total, top1: total === 0 ? 0 : confusion[k][k] / total };
    }),
    confusion,
  };
}
