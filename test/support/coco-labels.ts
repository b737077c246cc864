import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { GroundTruthBox } from '@yolokit/default-model';

/** One image of a YOLO-format set with its ground truth in pixels. */
export interface LabelledImage {
  /** File name without `.jpg`, such as `000000000009`. */
  id: string;
  /** `root/images/<id>.jpg` (absolute when `root` is). */
  imagePath: string;
  /** Width as displayed, i.e. after EXIF orientation, which is the frame YOLO labels are normalised to. */
  width: number;
  /** Height as displayed, i.e. after EXIF orientation. */
  height: number;
  /** Boxes as pixel `[x1, y1, x2, y2]` in the displayed frame; empty when the image has no label file. */
  groundTruth: GroundTruthBox[];
}

/**
 * Reads a YOLO-format detection set laid out as `root/images/<id>.jpg` and `root/labels/<id>.txt`, such as
 * fixtures/coco32 (see fixtures/PROVENANCE.md). Images are sorted by id (plain code-unit order, which is numeric
 * order for COCO's zero-padded ids). An image without a label file has no boxes, as in Ultralytics' loaders.
 *
 * Label lines are `class cx cy w h`, normalised to the image. Boxes are not clipped to the image: some COCO128
 * labels poke out by about 1e-7 of the size (rounding in the label files), which is far below anything that
 * could change an IoU threshold decision, and leaving them as written keeps this a faithful reader.
 */
export async function loadCoco32(root: string): Promise<LabelledImage[]> {
  const imagesDir = join(root, 'images');
  const labelsDir = join(root, 'labels');
  const ids = (await readdir(imagesDir))
    .filter((name) => name.toLowerCase().endsWith('.jpg'))
    .map((name) => name.slice(0, -'.jpg'.length))
    // Not localeCompare: its order depends on the machine's locale; code-unit order does not.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  return Promise.all(
    ids.map(async (id) => {
      const imagePath = join(imagesDir, `${id}.jpg`);
      const { width, height } = await orientedSize(imagePath);
      const labelText = await readOptional(join(labelsDir, `${id}.txt`));
      const groundTruth = labelText === undefined ? [] : parseYoloLabels(labelText, width, height, `${id}.txt`);
      return { id, imagePath, width, height, groundTruth };
    }),
  );
}

/**
 * The image's size as displayed. YOLO labels are normalised to the image after EXIF orientation (Ultralytics
 * applies it when loading), and orientations 5 to 8 turn the stored pixels by 90°, swapping width and height.
 */
async function orientedSize(imagePath: string): Promise<{ width: number; height: number }> {
  const metadata = await sharp(imagePath).metadata();
  const { width, height, orientation } = metadata;
  if (!width || !height) throw new Error(`${imagePath}: sharp reports no size`);
  return orientation !== undefined && orientation >= 5 ? { width: height, height: width } : { width, height };
}

/** The file's text, or undefined when it does not exist (any other error is thrown). */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Parses YOLO detection labels (`class cx cy w h` per line, normalised) into pixel xyxy boxes. Blank lines are
 * skipped; anything else that is not exactly five numbers with an integer class is an error, so that a
 * segmentation label file (class then a polygon) or a corrupt line cannot pass as boxes.
 */
export function parseYoloLabels(text: string, width: number, height: number, source = 'labels'): GroundTruthBox[] {
  const boxes: GroundTruthBox[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) return;
    const values = fields.map(Number);
    if (fields.length !== 5 || !values.every(Number.isFinite) || !Number.isInteger(values[0]) || values[0] < 0) {
      throw new Error(`${source}:${index + 1}: expected "class cx cy w h", got "${line.trim()}"`);
    }
    const [classId, cx, cy, w, h] = values;
    boxes.push({
      classId,
      box: [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height],
    });
  });
  return boxes;
}
