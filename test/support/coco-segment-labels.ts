import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LabelledImage, loadCoco32 } from './coco-labels.js';
import type { GroundTruthBox, Xyxy } from '@yolokit/default-model';
import { type RegionMask, rasterisePolygon } from './mask-iou.js';

/** A ground-truth instance of a segmentation set: its polygon, that polygon rasterised, and its extent. */
export interface GroundTruthInstance extends GroundTruthBox {
  /** `[x, y]` vertices in image pixels. */
  polygon: Array<[number, number]>;
  /** The polygon rasterised at image size (see mask-iou.ts for the rule). */
  mask: RegionMask;
}

/** An image of coco32 with its segmentation labels (`instances`) beside its box labels (`groundTruth`). */
export interface SegmentLabelledImage extends LabelledImage {
  instances: GroundTruthInstance[];
}

/**
 * Parses YOLO-seg labels (`class x1 y1 x2 y2 ...` per line, normalised to the image) into pixel polygons,
 * their masks at image size and their extents as boxes. A line needs a class and at least 3 points.
 */
export function parseYoloSegmentLabels(text: string, width: number, height: number, source = 'labels'): GroundTruthInstance[] {
  const instances: GroundTruthInstance[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    const values = fields.map(Number);
    if (fields.length < 7 || fields.length % 2 === 0 || !values.every(Number.isFinite) || !Number.isInteger(values[0]) || values[0] < 0) {
      throw new Error(`${source}:${index + 1}: expected "class x1 y1 x2 y2 x3 y3 ...", got "${line.trim().slice(0, 80)}"`);
    }
    const polygon: Array<[number, number]> = [];
    for (let k = 1; k < values.length; k += 2) polygon.push([values[k] * width, values[k + 1] * height]);
    const xs = polygon.map((p) => p[0]);
    const ys = polygon.map((p) => p[1]);
    const box: Xyxy = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    instances.push({ classId: values[0], box, polygon, mask: rasterisePolygon(polygon, width, height) });
  });
  return instances;
}

/**
 * fixtures/coco32 with its segmentation labels (`root/seg-labels/<id>.txt`, Ultralytics COCO128-seg): the
 * images of {@link loadCoco32}, each with its polygon instances rasterised at image size.
 */
export async function loadCoco32Segments(root: string): Promise<SegmentLabelledImage[]> {
  const images = await loadCoco32(root);
  return Promise.all(
    images.map(async (image) => {
      const path = join(root, 'seg-labels', `${image.id}.txt`);
      let text = '';
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      return { ...image, instances: parseYoloSegmentLabels(text, image.width, image.height, `${image.id}.txt`) };
    }),
  );
}
