/** One detected object. Boxes are in original-image pixels. */
export class Detection {
  /** Box corners `[x1, y1, x2, y2]` in original-image pixels. */
  readonly box: readonly [number, number, number, number];
  readonly confidence: number;
  readonly classId: number;
  /** The class's name from the model's metadata, or `class<id>` when the model has no names. */
  readonly className: string;
  readonly #imageWidth: number;
  readonly #imageHeight: number;

  constructor(
    box: readonly [number, number, number, number],
    confidence: number,
    classId: number,
    className: string,
    imageWidth: number,
    imageHeight: number,
  ) {
    this.box = box;
    this.confidence = confidence;
    this.classId = classId;
    this.className = className;
    this.#imageWidth = imageWidth;
    this.#imageHeight = imageHeight;
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

  toJSON(): DetectionJSON {
    return { box: [...this.box], confidence: this.confidence, classId: this.classId, className: this.className };
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
}

/** The stable JSON shape of a result (also what `yolokit predict --json` writes per image). */
export interface ResultJSON {
  source?: string;
  width: number;
  height: number;
  detections: DetectionJSON[];
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

  constructor(init: { source?: string; width: number; height: number; detections: Detection[]; speed: Speed }) {
    this.source = init.source;
    this.width = init.width;
    this.height = init.height;
    this.detections = init.detections;
    this.speed = init.speed;
  }

  /** Rebuilds a result from its JSON form (for results that crossed a thread or process). */
  static fromJSON(json: ResultJSON): Result {
    return new Result({
      source: json.source,
      width: json.width,
      height: json.height,
      speed: { ...json.speed },
      detections: json.detections.map(
        (d) => new Detection([d.box[0], d.box[1], d.box[2], d.box[3]], d.confidence, d.classId, d.className, json.width, json.height),
      ),
    });
  }

  toJSON(): ResultJSON {
    return {
      ...(this.source === undefined ? {} : { source: this.source }),
      width: this.width,
      height: this.height,
      detections: this.detections.map((d) => d.toJSON()),
      speed: { ...this.speed },
    };
  }
}
