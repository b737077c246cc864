import { InvalidOptionError } from '@yolokit/core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** File name of the ONNX model inside {@link defaultModelDir}. */
export const DEFAULT_ONNX_FILE = 'yolokit-shapes.onnx';
/** Folder name of the TF.js graph model (model.json, weights, metadata.yaml) inside {@link defaultModelDir}. */
export const DEFAULT_TFJS_FOLDER = 'yolokit-shapes_web_model';
/** Input size of the default model (square). */
export const DEFAULT_MODEL_IMGSZ = 160;

/**
 * The folder holding the default model's files (the ONNX file, the TF.js folder, SHA256SUMS and
 * PROVENANCE.md). Resolved from this module's own location, so it works from `dist/` in ESM and CJS and
 * from an installed package alike.
 *
 * @example
 * ```ts
 * import { defaultModelDir } from '@yolokit/default-model';
 * console.log(defaultModelDir()); // .../node_modules/@yolokit/default-model/model
 * ```
 */
export function defaultModelDir(): string {
  // Both `src/` and `dist/` sit beside `model/`.
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'model');
}

/**
 * Path of the default model in a format: the ONNX file (for `onnx()` of `@yolokit/backend-onnx`) or the
 * TF.js graph-model folder (for `tfjs()` of `@yolokit/backend-tfjs`).
 *
 * @param format - `'onnx'` or `'tfjs'`.
 * @defaultValue format: `'onnx'`
 * @example
 * ```ts
 * import { onnx } from '@yolokit/backend-onnx';
 * import { createModel } from '@yolokit/core';
 * import { defaultModelPath, generateScene } from '@yolokit/default-model';
 * const model = await createModel({ backend: onnx(), model: defaultModelPath() });
 * const result = await model.predict(generateScene(7));
 * console.log(result.detections.map((d) => d.className));
 * await model.dispose();
 * ```
 */
export function defaultModelPath(format: 'onnx' | 'tfjs' = 'onnx'): string {
  if (format === 'onnx') return join(defaultModelDir(), DEFAULT_ONNX_FILE);
  if (format === 'tfjs') return join(defaultModelDir(), DEFAULT_TFJS_FOLDER);
  throw new InvalidOptionError('format', `defaultModelPath(format): format must be 'onnx' or 'tfjs', got ${String(format)}`);
}

/** The task models beside the default detector: an oriented-box detector and a classifier of shapes. */
export type TaskModel = 'obb' | 'classify';

/** Where each task model lives inside {@link defaultModelDir}, its files' names and its input size. */
export const TASK_MODEL_FILES: Readonly<Record<TaskModel, { readonly folder: string; readonly onnx: string; readonly tfjs: string; readonly imgsz: number }>> = Object.freeze({
  obb: { folder: 'obb', onnx: 'yolokit-shapes-obb.onnx', tfjs: 'yolokit-shapes-obb_web_model', imgsz: 160 },
  classify: { folder: 'classify', onnx: 'yolokit-shapes-cls.onnx', tfjs: 'yolokit-shapes-cls_web_model', imgsz: 64 },
});

/** The folder of a task model (its files, SHA256SUMS, PROVENANCE.md and training-report.json). */
export function taskModelDir(task: TaskModel): string {
  const files = TASK_MODEL_FILES[task];
  if (!files) throw new InvalidOptionError('task', `taskModelDir(task): task must be 'obb' or 'classify', got ${String(task)}`);
  return join(defaultModelDir(), files.folder);
}

/**
 * Path of a task model in a format: `'obb'`, yolokit's rotated-shapes detector (rectangle, ellipse, triangle;
 * Ultralytics' OBB layout), or `'classify'`, its shapes classifier (circle, square, triangle, ring); the ONNX
 * file or, with `'tfjs'`, the TF.js graph-model folder.
 *
 * @example
 * ```ts
 * import { onnx } from '@yolokit/backend-onnx';
 * import { createModel } from '@yolokit/core';
 * import { generatePicture, taskModelPath } from '@yolokit/default-model';
 * const model = await createModel({ backend: onnx(), model: taskModelPath('classify') });
 * const result = await model.predict(generatePicture(7));
 * console.log(result.top1?.className);
 * await model.dispose();
 * ```
 */
export function taskModelPath(task: TaskModel, format: 'onnx' | 'tfjs' = 'onnx'): string {
  const dir = taskModelDir(task);
  if (format === 'onnx') return join(dir, TASK_MODEL_FILES[task].onnx);
  if (format === 'tfjs') return join(dir, TASK_MODEL_FILES[task].tfjs);
  throw new InvalidOptionError('format', `taskModelPath(task, format): format must be 'onnx' or 'tfjs', got ${String(format)}`);
}
