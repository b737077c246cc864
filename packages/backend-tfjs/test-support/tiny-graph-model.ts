/**
 * Writes tiny hand-made TF.js graph models for tests: fast enough for the pure-JS cpu runtime, and easy to
 * damage on purpose (missing shard, truncated shard, bad JSON). Not part of the published package.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TinyModelOptions {
  /**
   * `'scale'`: `Identity = x * scale` (per channel), weights `scale`, output shaped like the input.
   * `'where'`: `Identity = Where(x > 0.5)`, the indices of bright values: a dynamic-shape op, so the graph
   * needs `executeAsync`, and its output is int32.
   * `'identity'`: `Identity = x`, the input passed straight through (weights `scale`, unused).
   * `'unsupported-op'`: like `'scale'` with an op TF.js does not know (`YoloKitNoSuchOp`).
   * @defaultValue 'scale'
   */
  readonly kind?: 'scale' | 'where' | 'identity' | 'unsupported-op';
  /** Placeholder shape, NHWC; -1 for dynamic. @defaultValue [1, 8, 8, 3] */
  readonly inputShape?: readonly number[];
  /** Per-channel factors of the `'scale'` model. @defaultValue [1, 2, 3] */
  readonly scale?: readonly [number, number, number];
  /** Text of `metadata.yaml`; `null` writes none. @defaultValue a 2-class Ultralytics-style file */
  readonly metadataYaml?: string | null;
}

export const TINY_METADATA_YAML = `description: tiny test model
task: detect
stride: 32
imgsz:
- 8
- 8
names:
  0: cat
  1: "kid's bike"
`;

/** Writes `model.json`, one weight shard and `metadata.yaml` into `folder`; returns the folder. */
export async function writeTinyGraphModel(folder: string, options: TinyModelOptions = {}): Promise<string> {
  const { kind = 'scale', inputShape = [1, 8, 8, 3], scale = [1, 2, 3], metadataYaml = TINY_METADATA_YAML } = options;
  await mkdir(folder, { recursive: true });
  const placeholder = {
    name: 'x',
    op: 'Placeholder',
    attr: { shape: { shape: { dim: inputShape.map((size) => ({ size: String(size) })) } }, dtype: { type: 'DT_FLOAT' } },
  };
  const constNode = (name: string, dims: number[]) => ({
    name,
    op: 'Const',
    attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims.length ? { dim: dims.map((size) => ({ size: String(size) })) } : {} } }, dtype: { type: 'DT_FLOAT' } },
  });
  const nodes =
    kind === 'identity'
      ? [placeholder, constNode('scale', [3]), { name: 'Identity', op: 'Identity', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } }]
      : kind === 'scale' || kind === 'unsupported-op'
      ? [
          placeholder,
          constNode('scale', [3]),
          { name: 'mul', op: kind === 'scale' ? 'Mul' : 'YoloKitNoSuchOp', input: ['x', 'scale'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'Identity', op: 'Identity', input: ['mul'], attr: { T: { type: 'DT_FLOAT' } } },
        ]
      : [
          placeholder,
          constNode('threshold', []),
          { name: 'bright', op: 'Greater', input: ['x', 'threshold'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'where', op: 'Where', input: ['bright'], attr: { T: { type: 'DT_BOOL' } } },
          { name: 'Identity', op: 'Identity', input: ['where'], attr: { T: { type: 'DT_INT64' } } },
        ];
  const weights =
    kind !== 'where' ? [{ name: 'scale', shape: [3], dtype: 'float32' }] : [{ name: 'threshold', shape: [], dtype: 'float32' }];
  const values = kind !== 'where' ? new Float32Array(scale) : new Float32Array([0.5]);
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'yolokit tests',
    convertedBy: 'by hand',
    signature: { outputs: { 'Identity:0': { name: 'Identity:0' } } },
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights }],
  };
  await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
  await writeFile(join(folder, 'group1-shard1of1.bin'), new Uint8Array(values.buffer));
  if (metadataYaml !== null) await writeFile(join(folder, 'metadata.yaml'), metadataYaml);
  return folder;
}
