import type { ModelInfo, ResultJSON } from '@yolokit/core';
import { KEYPOINT_VISIBILITY_THRESHOLD } from './keypoint-drawer.js';

/** Version of the `--json` report's shape. It changes only when a field changes meaning or goes away. */
export const REPORT_VERSION = 1 as const;

/** What `yolokit predict --json FILE` writes. Documented in the package README; stable within a {@link REPORT_VERSION}. */
export interface PredictReport {
  /** The shape's version: {@link REPORT_VERSION}. */
  readonly version: typeof REPORT_VERSION;
  readonly model: ModelReport;
  /** One entry per image, in input order. */
  readonly results: ImageReport[];
}

/** The model's facts. Metadata the model does not carry is `null`. */
export interface ModelReport {
  /** The model file as given to `--model`. */
  readonly path: string;
  /** The backend's name, such as `onnxruntime-node`. */
  readonly backend: string;
  /** What ran the model, such as `onnxruntime-node 1.30.0 (cpu)`. */
  readonly runtime: string;
  /** The input size used, `[height, width]`. */
  readonly inputSize: [number, number];
  /** Ultralytics' `task` metadata: `detect`, `segment`, `pose`, ... */
  readonly task: string | null;
  /** Class names by id (JSON object keys are strings: `{"0": "person"}`). */
  readonly names: Readonly<Record<number, string>>;
  readonly classCount: number;
  /** The size the model was exported at, `[height, width]`. */
  readonly imgsz: [number, number] | null;
  readonly stride: number | null;
  /** True for end-to-end (NMS-free) models such as YOLOv10. */
  readonly end2end: boolean | null;
  readonly description: string | null;
  /** The Ultralytics version that exported the model (not the report's version). */
  readonly version: string | null;
  /** Pose models: `kpt_shape`, `[keypoints, values per keypoint]` (such as `[17, 3]`). */
  readonly kptShape: [number, number] | null;
}

/** A processed image: `@yolokit/core`'s `Result.toJSON()` with its source. */
export type ImageResultReport = ResultJSON & {
  readonly source: string;
  /** Attempts that failed before this result, when its worker died under it (`WORKER_DIED`); absent when none did. */
  readonly retries?: readonly { readonly code: string; readonly message: string }[];
};

/** An image that could not be processed; the run carried on with the others. */
export interface ImageErrorReport {
  readonly source: string;
  readonly error: { readonly code: string; readonly message: string };
}

export type ImageReport = ImageResultReport | ImageErrorReport;

/** True for an entry that failed. */
export function isImageError(entry: ImageReport): entry is ImageErrorReport {
  return 'error' in entry;
}

/** The `model` part of the report. */
export function modelReport(path: string, info: ModelInfo): ModelReport {
  const { metadata } = info;
  return {
    path,
    backend: info.backend,
    runtime: info.runtime,
    inputSize: [info.imgsz[0], info.imgsz[1]],
    task: metadata.task ?? null,
    names: metadata.names,
    classCount: metadata.classCount,
    imgsz: metadata.imgsz ? [metadata.imgsz[0], metadata.imgsz[1]] : null,
    stride: metadata.stride ?? null,
    end2end: metadata.end2end ?? null,
    description: metadata.description ?? null,
    version: metadata.version ?? null,
    kptShape: metadata.kptShape ? [metadata.kptShape[0], metadata.kptShape[1]] : null,
  };
}

/**
 * One entry of the report, with the fields in the documented order. What a task adds is there only for that
 * task: `task` (every task but detect), `mask` and, when asked for, `segments` per detection (segment),
 * `keypoints` per detection and `skeleton` (pose), `obb` and `corners` per detection (obb), `probs` and `top5`
 * (classify, whose `detections` is empty). A detect entry keeps the shape it always had.
 *
 * @param retries - attempts that failed first (a worker died under the image), written last as `retries`
 * @defaultValue `retries`: none, and no `retries` field
 */
export function imageResultReport(source: string, result: ResultJSON, retries: ImageResultReport['retries'] = []): ImageResultReport {
  return {
    source,
    ...(result.task === undefined || result.task === 'detect' ? {} : { task: result.task }),
    width: result.width,
    height: result.height,
    detections: result.detections.map((d) => ({
      box: [...d.box],
      confidence: d.confidence,
      classId: d.classId,
      className: d.className,
      ...(d.mask ? { mask: { size: [d.mask.size[0], d.mask.size[1]], counts: d.mask.counts } } : {}),
      ...(d.segments ? { segments: d.segments } : {}),
      ...(d.keypoints ? { keypoints: d.keypoints } : {}),
      ...(d.obb ? { obb: { cx: d.obb.cx, cy: d.obb.cy, w: d.obb.w, h: d.obb.h, angle: d.obb.angle } } : {}),
      ...(d.corners ? { corners: d.corners } : {}),
    })),
    ...(result.skeleton ? { skeleton: result.skeleton } : {}),
    ...(result.probs ? { probs: result.probs } : {}),
    ...(result.top5 ? { top5: result.top5.map((c) => ({ classId: c.classId, className: c.className, confidence: c.confidence })) } : {}),
    speed: { preprocess: result.speed.preprocess, inference: result.speed.inference, postprocess: result.speed.postprocess },
    ...(retries.length > 0 ? { retries } : {}),
  };
}

/**
 * The summary line of one image: `bus.jpg 810x1080: 4 person, 1 bus (143 ms)`. Classes are listed by class
 * id; then what the task found, after a semicolon: `; 4 masks` (segment), `; 2 poses, 29/34 keypoints visible`
 * (pose; visible: a visibility of at least 0.25, the keypoints `--save` draws); a classifier's line gives its
 * top class instead: `cat.jpg 640x480: tabby 0.83 (21 ms)`. The time is the image's preprocess + inference +
 * postprocess.
 */
export function summaryLine(entry: ImageResultReport): string {
  const { preprocess, inference, postprocess } = entry.speed;
  const time = `(${Math.round(preprocess + inference + postprocess)} ms)`;
  if (entry.task === 'classify') {
    const top = entry.top5?.[0];
    return `${entry.source} ${entry.width}x${entry.height}: ${top ? `${top.className} ${top.confidence.toFixed(2)}` : 'no classes'} ${time}`;
  }
  const counts = new Map<number, { name: string; count: number }>();
  for (const d of entry.detections) {
    const slot = counts.get(d.classId) ?? { name: d.className, count: 0 };
    slot.count += 1;
    counts.set(d.classId, slot);
  }
  const classes = [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { name, count }]) => `${count} ${name}`)
    .join(', ');
  const found = taskFindings(entry);
  return `${entry.source} ${entry.width}x${entry.height}: ${classes || 'no detections'}${found ? `; ${found}` : ''} ${time}`;
}

/** What a segmentation or pose model found beyond the boxes, for the summary line; `''` for detection. */
function taskFindings(entry: ImageResultReport): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (entry.task === 'segment') return plural(entry.detections.filter((d) => d.mask).length, 'mask');
  if (entry.task === 'pose') {
    const points = entry.detections.flatMap((d) => d.keypoints ?? []);
    const poses = plural(entry.detections.filter((d) => d.keypoints).length, 'pose');
    if (points.length === 0) return poses;
    // Models with 2 values per keypoint give no visibility: every keypoint counts.
    if (points[0].length < 3) return `${poses}, ${plural(points.length, 'keypoint')}`;
    return `${poses}, ${points.filter((p) => p[2] >= KEYPOINT_VISIBILITY_THRESHOLD).length}/${points.length} keypoints visible`;
  }
  return '';
}

/** The line of an image that failed: `notes.jpg: IMAGE_UNREADABLE could not decode ...`. */
export function errorLine(entry: ImageErrorReport): string {
  const { code, message } = entry.error;
  return message.includes(entry.source) ? `error ${code}: ${message}` : `error ${code}: ${entry.source}: ${message}`;
}

/** The closing lines: counts and the median time of each stage. */
export function totalsLine(results: readonly ImageReport[], seconds: number): string {
  const done = results.filter((r): r is ImageResultReport => !isImageError(r));
  const failed = results.length - done.length;
  const detections = done.reduce((sum, r) => sum + r.detections.length, 0);
  const images = `${results.length} image${results.length === 1 ? '' : 's'}`;
  // A classifier finds no objects: say what it did instead of "0 detections".
  const what = done.length > 0 && done.every((r) => r.task === 'classify') ? 'classified' : `${detections} detection${detections === 1 ? '' : 's'}`;
  const head = `${images}${failed ? ` (${failed} failed)` : ''}, ${what} in ${seconds.toFixed(1)} s`;
  if (done.length === 0) return head;
  const stage = (key: 'preprocess' | 'inference' | 'postprocess') => median(done.map((r) => r.speed[key])).toFixed(1);
  return `${head}; median per image: ${stage('preprocess')} ms preprocess, ${stage('inference')} ms inference, ${stage('postprocess')} ms postprocess`;
}

/** The median of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
