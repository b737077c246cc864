import { Keypoints } from './keypoints.js';
import { Mask, type MaskWire } from './mask.js';
import type { CocoRle } from './mask-rle.js';
import { type Corners, type OrientedBox, orientedBoxCorners } from './oriented-box.js';
import type { SupportedTask } from './task-layout.js';

/** What a task adds to a detection: a segmentation model's mask, a pose model's keypoints, an oriented box. */
export interface DetectionExtras {
  readonly mask?: Mask;
  readonly keypoints?: Keypoints;
  readonly obb?: OrientedBox;
}

/** One class of a classifier's answer. */
export interface ClassScore {
  readonly classId: number;
  /** The class's name from the model's metadata, or `class<id>` when the model has no names. */
  readonly className: string;
  /** Its probability. */
  readonly confidence: number;
}

/** Options of a result's JSON form. */
export interface ResultJSONOptions {
  /**
   * Add each mask's polygons (`segments`: its largest outer contour in image pixels, as Ultralytics'
   * `masks.xy`) beside the RLE.
   * @defaultValue false
   */
  readonly segments?: boolean;
}

/** One detected object. Boxes are in original-image pixels. */
export class Detection {
  /**
   * Box corners `[x1, y1, x2, y2]` in original-image pixels, clipped to the image; for an oriented box, the
   * extent of its corners, not clipped (as Ultralytics' `OBB.xyxy`).
   */
  readonly box: readonly [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  /** The class's name from the model's metadata, or `class<id>` when the model has no names. */
  readonly className: string;
  /** Segmentation models: the object's mask in original-image pixels. */
  readonly mask: Mask | undefined;
  /** Pose models: the object's keypoints in original-image pixels. */
  readonly keypoints: Keypoints | undefined;
  /**
   * Oriented-box models: the rotated box in original-image pixels, `angle` in radians in `[0, π/2)`
   * (Ultralytics' `OBB.xywhr`).
   */
  readonly obb: OrientedBox | undefined;
  readonly #imageWidth: number;
  readonly #imageHeight: number;

  constructor(
    box: readonly [number, number, number, number],
    confidence: number,
    classId: number,
    className: string,
    imageWidth: number,
    imageHeight: number,
    extras: DetectionExtras = {},
  ) {
    this.box = box;
    this.confidence = confidence;
    this.classId = classId;
    this.className = className;
    this.mask = extras.mask;
    this.keypoints = extras.keypoints;
    this.obb = extras.obb;
    this.#imageWidth = imageWidth;
    this.#imageHeight = imageHeight;
  }

  /** Oriented-box models: the rotated box's four corners `[x, y]` in image pixels (Ultralytics' `OBB.xyxyxyxy`). */
  get corners(): Corners | undefined {
    return this.obb ? orientedBoxCorners(this.obb) : undefined;
  }

  /** `[x1, y1, x2, y2]`, the same as {@link box}. */
  get xyxy(): readonly [number, number, number, number] {
    return this.box;
  }

  /** `[centreX, centreY, width, height]` in pixels. */
  get xywh(): [number, number, number, number] {
    const [x1, y1, x2, y2] = this.box;
    return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
  }

  /** {@link xyxy} divided by the image's width and height. */
  get xyxyn(): [number, number, number, number] {
    const [x1, y1, x2, y2] = this.box;
    return [x1 / this.#imageWidth, y1 / this.#imageHeight, x2 / this.#imageWidth, y2 / this.#imageHeight];
  }

  /** {@link xywh} divided by the image's width and height. */
  get xywhn(): [number, number, number, number] {
    const [cx, cy, w, h] = this.xywh;
    return [cx / this.#imageWidth, cy / this.#imageHeight, w / this.#imageWidth, h / this.#imageHeight];
  }

  toJSON(options?: ResultJSONOptions | string): DetectionJSON {
    const json: DetectionJSON = { box: [...this.box], confidence: this.confidence, classId: this.classId, className: this.className };
    if (this.mask) {
      json.mask = this.mask.toRle();
      // JSON.stringify passes the property name: options only come from a direct call.
      if (typeof options === 'object' && options?.segments) json.segments = this.mask.polygon();
    }
    if (this.keypoints) json.keypoints = this.keypoints.toJSON();
    if (this.obb) {
      json.obb = { ...this.obb };
      json.corners = orientedBoxCorners(this.obb);
    }
    return json;
  }

  /** The binary form that crosses threads, processes and queues (masks as packed bits, never number arrays). */
  toWire(encoding: 'bytes' | 'base64' = 'bytes'): DetectionWire {
    return {
      box: [...this.box],
      confidence: this.confidence,
      classId: this.classId,
      className: this.className,
      ...(this.mask ? { mask: this.mask.toWire(encoding) } : {}),
      ...(this.keypoints ? { keypoints: { data: this.keypoints.data, dims: this.keypoints.dims } } : {}),
      ...(this.obb ? { obb: { ...this.obb } } : {}),
    };
  }
}

/** Milliseconds spent in each stage of one prediction. */
export interface Speed {
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface DetectionJSON {
  box: [number, number, number, number];
  confidence: number;
  classId: number;
  className: string;
  /** Segmentation: the mask as COCO's compressed RLE over the whole image (`size` is `[height, width]`). */
  mask?: CocoRle;
  /** Segmentation, on request: the mask's largest outer contour, `[x, y]` points in image pixels. */
  segments?: Array<[number, number]>;
  /** Pose: `[x, y, visibility]` per keypoint in image pixels (`[x, y]` when the model gives no visibility). */
  keypoints?: number[][];
  /** Oriented boxes: centre, sides and angle (radians, `[0, π/2)`) in image pixels. */
  obb?: OrientedBox;
  /** Oriented boxes: the four corners `[x, y]` in image pixels (`box` is their extent). */
  corners?: Corners;
}

/** A detection as it crosses threads, processes and queues. */
export interface DetectionWire {
  readonly box: [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  readonly className: string;
  readonly mask?: MaskWire;
  /** Keypoint values (base64 of float32 where the carrier is JSON). */
  readonly keypoints?: { readonly data: Float32Array | number[]; readonly dims: number };
  /** The oriented box (its corners are derived again on the other side). */
  readonly obb?: OrientedBox;
}

/** A result as it crosses threads, processes and queues: {@link ResultJSON} with binary masks. */
export interface ResultWire {
  readonly source?: string;
  readonly task?: SupportedTask;
  readonly width: number;
  readonly height: number;
  readonly detections: readonly DetectionWire[];
  readonly skeleton?: Array<[number, number]>;
  /** Classify: probabilities in class order (plain numbers where the carrier is JSON). */
  readonly probs?: Float32Array | number[];
  readonly top5?: ClassScore[];
  readonly speed: Speed;
}

/** The stable JSON shape of a result (also what `yolokit predict --json` writes per image). */
export interface ResultJSON {
  source?: string;
  /** The model's task, for every task but detection (absent there: its shape predates the field). */
  task?: SupportedTask;
  width: number;
  height: number;
  /** The objects found; always empty for a classifier. */
  detections: DetectionJSON[];
  /** Pose: the limbs to draw, as pairs of keypoint indices. */
  skeleton?: Array<[number, number]>;
  /** Classify: every class's probability, in class order. */
  probs?: number[];
  /** Classify: the five most probable classes, most probable first. */
  top5?: ClassScore[];
  speed: Speed;
}

/** The detections of one image. */
export class Result {
  /** Where the image came from, when it was a path or URL. */
  readonly source: string | undefined;
  /** Original (EXIF-oriented) image size. */
  readonly width: number;
  readonly height: number;
  /** Highest confidence first. */
  readonly detections: readonly Detection[];
  readonly speed: Readonly<Speed>;
  /** What the model does: `detect`, `segment`, `pose`, `obb` or `classify`. */
  readonly task: SupportedTask;
  /** Pose: the limbs to draw between keypoints, as index pairs (COCO's for 17 keypoints). */
  readonly skeleton: readonly (readonly [number, number])[] | undefined;
  /**
   * Classify: every class's probability, in class order (Ultralytics' `probs.data`); `undefined` for the other
   * tasks, whose {@link detections} are what they found. `conf` does not filter it.
   */
  readonly probs: Float32Array | undefined;
  /** Classify: the five most probable classes (fewer if the model has fewer), most probable first. */
  readonly top5: readonly ClassScore[] | undefined;

  constructor(init: {
    source?: string;
    width: number;
    height: number;
    detections: Detection[];
    speed: Speed;
    task?: SupportedTask;
    skeleton?: readonly (readonly [number, number])[];
    probs?: Float32Array;
    top5?: readonly ClassScore[];
  }) {
    this.source = init.source;
    this.width = init.width;
    this.height = init.height;
    this.detections = init.detections;
    this.speed = init.speed;
    this.task = init.task ?? 'detect';
    this.skeleton = init.skeleton;
    this.probs = init.probs;
    this.top5 = init.top5;
  }

  /** Classify: the most probable class (`top5[0]`). */
  get top1(): ClassScore | undefined {
    return this.top5?.[0];
  }

  /** Rebuilds a result from {@link toWire}'s form (after crossing a thread, process or queue). */
  static fromWire(wire: ResultWire): Result {
    return new Result({
      source: wire.source,
      width: wire.width,
      height: wire.height,
      task: wire.task,
      skeleton: wire.skeleton,
      ...classification(wire),
      speed: { ...wire.speed },
      detections: wire.detections.map(
        (d) =>
          new Detection([d.box[0], d.box[1], d.box[2], d.box[3]], d.confidence, d.classId, d.className, wire.width, wire.height, {
            mask: d.mask ? Mask.fromWire(d.mask) : undefined,
            keypoints: d.keypoints ? new Keypoints(Float32Array.from(d.keypoints.data), d.keypoints.dims) : undefined,
            obb: d.obb ? { ...d.obb } : undefined,
          }),
      ),
    });
  }

  /** The binary form for crossing threads and processes (`bytes`) or JSON carriers such as queues (`base64`). */
  toWire(encoding: 'bytes' | 'base64' = 'bytes'): ResultWire {
    return {
      ...(this.source === undefined ? {} : { source: this.source }),
      ...(this.task === 'detect' ? {} : { task: this.task }),
      width: this.width,
      height: this.height,
      detections: this.detections.map((d) => {
        const wire = d.toWire(encoding);
        // Float32Array does not survive JSON: plain numbers there (17×3 per person, small).
        return encoding === 'base64' && wire.keypoints ? { ...wire, keypoints: { data: Array.from(wire.keypoints.data), dims: wire.keypoints.dims } } : wire;
      }),
      ...(this.skeleton ? { skeleton: this.skeleton.map(([a, b]) => [a, b] as [number, number]) } : {}),
      // Float32Array does not survive JSON either.
      ...(this.probs ? { probs: encoding === 'base64' ? Array.from(this.probs) : this.probs } : {}),
      ...(this.top5 ? { top5: this.top5.map((c) => ({ ...c })) } : {}),
      speed: { ...this.speed },
    };
  }

  /** Rebuilds a result from its JSON form (for results that crossed a thread or process). */
  static fromJSON(json: ResultJSON): Result {
    return new Result({
      source: json.source,
      width: json.width,
      height: json.height,
      task: json.task,
      skeleton: json.skeleton,
      ...classification(json),
      speed: { ...json.speed },
      detections: json.detections.map(
        (d) =>
          new Detection([d.box[0], d.box[1], d.box[2], d.box[3]], d.confidence, d.classId, d.className, json.width, json.height, {
            mask: d.mask ? Mask.fromRle(d.mask) : undefined,
            keypoints: d.keypoints ? Keypoints.fromJSON(d.keypoints) : undefined,
            obb: d.obb ? { ...d.obb } : undefined,
          }),
      ),
    });
  }

  /** The stable JSON shape; `{ segments: true }` adds mask polygons. */
  toJSON(options?: ResultJSONOptions | string): ResultJSON {
    const detectionOptions = typeof options === 'object' ? options : undefined;
    return {
      ...(this.source === undefined ? {} : { source: this.source }),
      ...(this.task === 'detect' ? {} : { task: this.task }),
      width: this.width,
      height: this.height,
      detections: this.detections.map((d) => d.toJSON(detectionOptions)),
      ...(this.skeleton ? { skeleton: this.skeleton.map(([a, b]) => [a, b] as [number, number]) } : {}),
      ...(this.probs ? { probs: Array.from(this.probs) } : {}),
      ...(this.top5 ? { top5: this.top5.map((c) => ({ ...c })) } : {}),
      speed: { ...this.speed },
    };
  }
}

/** A classifier's `probs` and `top5` from a result's JSON or wire form (none for the other tasks). */
function classification(form: { readonly probs?: Float32Array | readonly number[]; readonly top5?: readonly ClassScore[] }): {
  probs?: Float32Array;
  top5?: ClassScore[];
} {
  return {
    ...(form.probs ? { probs: Float32Array.from(form.probs) } : {}),
    ...(form.top5 ? { top5: form.top5.map((c) => ({ classId: c.classId, className: c.className, confidence: c.confidence })) } : {}),
  };
}
