import { decodeOutput, nonMaxSuppression } from '@yolokit/core';
import { generateScene } from '../generate-scene.js';
import { type EvaluatedImage, type MeanAveragePrecision, meanAveragePrecision, type ScoredBox } from '../mean-average-precision.js';
import type { Network } from './network.js';
import { tf } from './tf-setup.js';

/** Ultralytics' validation settings: every candidate above 0.001, NMS at IoU 0.7, at most 300 per image. */
export const VALIDATION_SETTINGS = { conf: 0.001, iou: 0.7, maxDet: 300 } as const;

/** Decodes one image's `[4 + nc, N]` output with core's decoder and NMS. */
export function detectionsFromOutput(data: Float32Array, channels: number, anchors: number, imgsz: number): ScoredBox[] {
  const candidates = decodeOutput({ data, dims: [1, channels, anchors] }, 'yolov8', {
    conf: VALIDATION_SETTINGS.conf,
    inputWidth: imgsz,
    inputHeight: imgsz,
    normalizedBoxes: false,
  });
  const keep = nonMaxSuppression(candidates, { iou: VALIDATION_SETTINGS.iou, maxDet: VALIDATION_SETTINGS.maxDet, agnostic: false });
  return keep.map((i) => ({
    box: Array.from(candidates.boxes.subarray(i * 4, i * 4 + 4)),
    classId: candidates.classIds[i],
    confidence: candidates.scores[i],
  }));
}

/** mAP of the network (running BatchNorm statistics) on scenes `firstSeed … firstSeed + count − 1`. */
export async function evaluateNetwork(network: Network, firstSeed: number, count: number, maxObjects: number): Promise<MeanAveragePrecision> {
  const s = network.architecture.imgsz;
  const images: EvaluatedImage[] = [];
  const chunk = 20;
  for (let start = 0; start < count; start += chunk) {
    const scenes = Array.from({ length: Math.min(chunk, count - start) }, (_, i) => generateScene(firstSeed + start + i, { size: s, maxObjects }));
    const pixels = new Float32Array(scenes.length * s * s * 3);
    scenes.forEach((scene, i) => {
      for (let k = 0; k < scene.data.length; k++) pixels[i * s * s * 3 + k] = scene.data[k] / 255;
    });
    const input = tf.tensor4d(pixels, [scenes.length, s, s, 3]);
    const output = network.predict(input);
    const [, channels, anchors] = output.shape;
    const data = (await output.data()) as Float32Array;
    tf.dispose([input, output]);
    scenes.forEach((scene, i) => {
      const one = data.subarray(i * channels * anchors, (i + 1) * channels * anchors);
      images.push({ detections: detectionsFromOutput(one, channels, anchors, s), truths: scene.objects });
    });
  }
  return meanAveragePrecision(images);
}
