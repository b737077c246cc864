import type { io } from '@tensorflow/tfjs-core';
import { ModelLoadError, ReadLimitError, YoloError } from '@yolokit/core';
import { parse as parseYaml } from 'yaml';
import { FileMissingError, type ModelLocation, readLimitRefusal } from './model-location.js';

/** A graph model's files, read and checked, ready for `GraphModel.loadSync`. */
export interface ModelFiles {
  readonly artifacts: io.ModelArtifacts;
  /** The parsed `metadata.yaml` beside `model.json`; empty when there is none. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Operations used by the graph (and its functions), to decide between `execute` and `executeAsync`. */
  readonly ops: ReadonlySet<string>;
}

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  float16: 2,
  complex64: 8,
};

/**
 * Reads `model.json`, every weight shard it lists and `metadata.yaml`, checking each against the others so a
 * damaged export fails here with a message rather than halfway through creating weight tensors.
 */
export async function readModelFiles(location: ModelLocation): Promise<ModelFiles> {
  const where = location.modelJson;
  const invalid = (message: string, cause?: unknown) =>
    new ModelLoadError('MODEL_INVALID', where, `${where} is not a usable TF.js graph model: ${message}`, cause === undefined ? undefined : { cause });

  let jsonText: string;
  try {
    jsonText = new TextDecoder().decode(await location.readModelJson());
  } catch (error) {
    passLimitsThrough(error, where, 'model.json');
    if (error instanceof FileMissingError) {
      throw new ModelLoadError(
        'MODEL_INVALID',
        where,
        `not a TF.js graph model: ${where} does not exist (an export folder holds model.json, its weight shards and metadata.yaml)`,
        { cause: error },
      );
    }
    throw invalid(`model.json cannot be read (${(error as Error).message})`, error);
  }

  let json: io.ModelJSON;
  try {
    json = JSON.parse(jsonText);
  } catch (error) {
    throw invalid('it is not JSON (a TF.js model.json is; the parser says why in `cause`)', error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('model.json does not hold a JSON object');
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw invalid(`its format is '${String(json.format)}'; yolokit runs graph models (Ultralytics' format=tfjs exports)`);
  }
  const topology = json.modelTopology as { node?: unknown; library?: { function?: { nodeDef?: { op?: string }[] }[] } } | undefined;
  if (typeof topology !== 'object' || topology === null || !Array.isArray(topology.node)) {
    throw invalid('model.json has no modelTopology.node list (a graph model has one)');
  }
  const manifest = json.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    !manifest.every((group) => Array.isArray(group?.paths) && group.paths.every((p) => typeof p === 'string') && Array.isArray(group.weights))
  ) {
    throw invalid('model.json has no valid weightsManifest (a list of { paths, weights } groups)');
  }

  const ops = new Set<string>();
  for (const node of topology.node as { op?: unknown }[]) if (typeof node?.op === 'string') ops.add(node.op);
  for (const fn of topology.library?.function ?? []) for (const node of fn.nodeDef ?? []) if (typeof node?.op === 'string') ops.add(node.op);

  const shards: ArrayBuffer[] = [];
  for (const group of manifest) {
    for (const path of group.paths) {
      let bytes: Uint8Array;
      try {
        bytes = await location.read(path);
      } catch (error) {
        passLimitsThrough(error, where, `weight shard ${path}`);
        const what = error instanceof FileMissingError ? 'is missing' : `cannot be read (${(error as Error).message})`;
        throw invalid(`weight shard ${path}, listed in model.json, ${what}`, error);
      }
      shards.push(toArrayBuffer(bytes));
    }
  }

  const weightSpecs = manifest.flatMap((group) => group.weights) as io.WeightsManifestEntry[];
  const needed = bytesNeeded(weightSpecs);
  const present = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  if (needed !== undefined && present < needed) {
    throw invalid(`its weight shards hold ${present} bytes but model.json's weightsManifest needs ${needed} (a truncated or mismatched shard)`);
  }

  const artifacts: io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
    initializerSignature: json.initializerSignature,
    weightSpecs,
    weightData: shards,
  };
  return { artifacts, metadata: await readMetadata(location, where), ops };
}

/**
 * Ultralytics writes the model's facts (names, imgsz, stride, task) to `metadata.yaml` beside `model.json`.
 * A missing file is normal for other exports and gives empty metadata; a file that is not YAML is an error.
 */
async function readMetadata(location: ModelLocation, where: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder().decode(await location.read('metadata.yaml'));
  } catch (error) {
    passLimitsThrough(error, where, 'metadata.yaml');
    if (error instanceof FileMissingError) return {};
    throw new ModelLoadError('MODEL_INVALID', where, `metadata.yaml beside ${where} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ModelLoadError('MODEL_INVALID', where, `metadata.yaml beside ${where} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ModelLoadError('MODEL_INVALID', where, `metadata.yaml beside ${where} must be a YAML mapping (key: value lines), got ${typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** A read stopped by a limit or aborted says so with its own error, not as a damaged export. */
function passLimitsThrough(error: unknown, where: string, file: string): void {
  if (error instanceof ReadLimitError) throw readLimitRefusal(error, where, file);
  if (YoloError.isInstance(error)) throw error;
}

/** Bytes the weight specs occupy, or `undefined` when it cannot be known (string tensors). */
function bytesNeeded(specs: readonly io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const size = BYTES_PER_ELEMENT[dtype];
    if (size === undefined || !Array.isArray(spec.shape)) return undefined;
    total += spec.shape.reduce((product, dim) => product * dim, 1) * size;
  }
  return total;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}
