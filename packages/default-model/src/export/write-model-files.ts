import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ONNX_FILE, DEFAULT_TFJS_FOLDER } from '../model-paths.js';
import type { Architecture } from './architecture.js';
import { exportOnnx } from './export-onnx.js';
import { exportTfjsGraphModel, TFJS_WEIGHTS_FILE } from './export-tfjs.js';
import type { FoldedWeights } from './folded-weights.js';

/** A file written, relative to the model folder, with its SHA-256. */
export interface WrittenFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Every file of the default model's folder, in memory: the ONNX model and the TF.js graph model. */
/** Names of a model's ONNX file and TF.js folder. */
export interface ModelFileNames {
  readonly onnx: string;
  readonly tfjs: string;
}

/** Every file of a model's folder, in memory: the ONNX model and the TF.js graph model (the default model's names unless told). */
export function modelFiles(
  architecture: Architecture,
  weights: FoldedWeights,
  names: Readonly<Record<number, string>>,
  fileNames: ModelFileNames = { onnx: DEFAULT_ONNX_FILE, tfjs: DEFAULT_TFJS_FOLDER },
): Map<string, Uint8Array> {
  const tfjs = exportTfjsGraphModel(architecture, weights, names);
  const text = new TextEncoder();
  return new Map<string, Uint8Array>([
    [fileNames.onnx, exportOnnx(architecture, weights, names)],
    [`${fileNames.tfjs}/model.json`, text.encode(tfjs.modelJson)],
    [`${fileNames.tfjs}/${TFJS_WEIGHTS_FILE}`, tfjs.weights],
    [`${fileNames.tfjs}/metadata.yaml`, text.encode(tfjs.metadataYaml)],
  ]);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `sha256sum`'s format, sorted by path, so `sha256sum -c SHA256SUMS` checks the folder. */
export function sha256sums(files: readonly WrittenFile[]): string {
  return `${[...files]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map((f) => `${f.sha256}  ${f.path}`)
    .join('\n')}\n`;
}

/** Writes the ONNX and TF.js models into `folder` and returns what was written (SHA256SUMS not included). */
export function writeModelFiles(
  folder: string,
  architecture: Architecture,
  weights: FoldedWeights,
  names: Readonly<Record<number, string>>,
  fileNames?: ModelFileNames,
): WrittenFile[] {
  const written: WrittenFile[] = [];
  for (const [path, bytes] of modelFiles(architecture, weights, names, fileNames)) {
    const target = join(folder, path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, bytes);
    written.push({ path, bytes: bytes.byteLength, sha256: sha256(bytes) });
  }
  return written;
}
