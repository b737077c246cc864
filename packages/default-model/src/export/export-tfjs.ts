import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Architecture, anchorCentres, anchorCount } from './architecture.js';
import type { FoldedWeights } from './folded-weights.js';
import { decodeMatrix } from './graph-math.js';
import { metadataYaml, ultralyticsMetadata } from './model-metadata.js';

/** Name of the single weights file of the exported TF.js graph model. */
export const TFJS_WEIGHTS_FILE = 'group1-shard1of1.bin';

/** The files of a TF.js graph model folder. */
export interface TfjsGraphModelFiles {
  /** `model.json`: the GraphDef topology, a signature and the weights manifest. */
  readonly modelJson: string;
  /** The weights, one shard, named {@link TFJS_WEIGHTS_FILE}. */
  readonly weights: Uint8Array;
  /** Ultralytics' `metadata.yaml` (names, imgsz, stride, task...). */
  readonly metadataYaml: string;
}

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

const FLOAT = { type: 'DT_FLOAT' };
const INT32 = { type: 'DT_INT32' };

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function intList(values: number[]) {
  return { list: { i: values.map(String) } };
}

/**
 * Writes the default model as a TF.js graph model with the same weights and the same computation as the
 * ONNX export: input `images` `[1, S, S, 3]` (NHWC, RGB, 0..1), output `output0` `[1, 4 + nc, N]`, plus
 * Ultralytics' `metadata.yaml`. Deterministic: the same weights always give the same files.
 *
 * @example
 * ```ts
 * import { defaultModelPath } from '@yolokit/default-model';
 * import { defaultArchitecture, exportTfjsGraphModel, readTfjsWeights } from '@yolokit/default-model/export';
 * const files = exportTfjsGraphModel(defaultArchitecture(), readTfjsWeights(defaultModelPath('tfjs')), { 0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring' });
 * console.log(files.weights.byteLength);
 * ```
 */
export function exportTfjsGraphModel(
  architecture: Architecture,
  weights: FoldedWeights,
  names: Readonly<Record<number, string>>,
): TfjsGraphModelFiles {
  const s = architecture.imgsz;
  const nodes: GraphNode[] = [
    {
      name: architecture.input,
      op: 'Placeholder',
      attr: { dtype: FLOAT, shape: { shape: { dim: [1, s, s, 3].map((size) => ({ size: String(size) })) } } },
    },
  ];
  const entries: WeightEntry[] = [];
  const constant = (name: string, shape: number[], values: Float32Array | Int32Array) => {
    const dtype = values instanceof Float32Array ? 'float32' : 'int32';
    entries.push({ name, shape, dtype, values });
    nodes.push({ name, op: 'Const', attr: { dtype: dtype === 'float32' ? FLOAT : INT32, value: { tensor: { dtype: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32', tensorShape: { dim: shape.map((size) => ({ size: String(size) })) } } } } });
    return name;
  };
  const op = (name: string, type: string, input: string[], attr: Record<string, unknown> = {}) => {
    nodes.push({ name, op: type, input, attr: { T: FLOAT, ...attr } });
    return name;
  };
  const shapes = new Map<string, [number, number, number]>([[architecture.input, [s, s, 3]]]);

  for (const layer of architecture.layers) {
    if (layer.kind === 'upsample') {
      const [h, w, c] = shapes.get(layer.input)!;
      const size = constant(`${layer.name}/size`, [2], new Int32Array([h * 2, w * 2]));
      op(layer.output, 'ResizeNearestNeighbor', [layer.input, size], { align_corners: { b: false }, half_pixel_centers: { b: false } });
      shapes.set(layer.output, [h * 2, w * 2, c]);
    } else if (layer.kind === 'concat') {
      const parts = layer.inputs.map((name) => shapes.get(name)!);
      const axis = constant(`${layer.name}/axis`, [], new Int32Array([3]));
      op(layer.output, 'ConcatV2', [...layer.inputs, axis], { N: { i: String(layer.inputs.length) }, Tidx: INT32 });
      shapes.set(layer.output, [parts[0][0], parts[0][1], parts.reduce((n, p) => n + p[2], 0)]);
    } else if (layer.kind === 'pool') {
      const [, , c] = shapes.get(layer.input)!;
      const axes = constant(`${layer.name}/axes`, [2], new Int32Array([1, 2]));
      op(layer.output, 'Mean', [layer.input, axes], { keep_dims: { b: true }, Tidx: INT32 });
      shapes.set(layer.output, [1, 1, c]);
    } else {
      const [h, w] = shapes.get(layer.input)!;
      const folded = weights.get(layer.name);
      if (!folded) throw new Error(`exportTfjsGraphModel: no weights for layer ${layer.name}`);
      const kernel = constant(`${layer.name}/kernel`, [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels], folded.kernel);
      const bias = constant(`${layer.name}/bias`, [layer.outChannels], folded.bias);
      const conv = op(`${layer.name}/Conv2D`, 'Conv2D', [layer.input, kernel], {
        strides: intList([1, layer.stride, layer.stride, 1]),
        padding: { s: base64('SAME') },
        data_format: { s: base64('NHWC') },
        dilations: intList([1, 1, 1, 1]),
        explicit_paddings: { list: {} },
        use_cudnn_on_gpu: { b: true },
      });
      if (layer.activation === 'silu') {
        const pre = op(`${layer.name}/BiasAdd`, 'AddV2', [conv, bias]);
        const gate = op(`${layer.name}/Sigmoid`, 'Sigmoid', [pre]);
        op(layer.output, 'Mul', [pre, gate]);
      } else {
        op(layer.output, 'AddV2', [conv, bias]);
      }
      shapes.set(layer.output, [Math.ceil(h / layer.stride), Math.ceil(w / layer.stride), layer.outChannels]);
    }
  }

  const nc = architecture.classCount;
  const metadata = ultralyticsMetadata(architecture, names);
  const tensorInfo = (name: string, dims: number[]) => ({ name, dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((size) => ({ size: String(size) })) } });
  let output: number[];
  if (architecture.task === 'classify') {
    // A classifier's logits [1, 1, 1, nc] flattened, then the softmax: output0 [1, nc].
    const logits = architecture.logits;
    if (!logits) throw new Error('exportTfjsGraphModel: a classifier architecture names its logits');
    const shape = constant('output/shape', [2], new Int32Array([1, nc]));
    op('output0', 'Softmax', [op('output/logits', 'Reshape', [logits, shape], { Tshape: INT32 })]);
    output = [1, nc];
  } else {
    output = detectionOutput();
  }

  function detectionOutput(): number[] {
    const n = anchorCount(architecture);
    const flat = (kind: 'box' | 'cls' | 'angle') =>
      architecture.levels.map((level) => {
        const name = level[kind];
        if (!name) throw new Error(`exportTfjsGraphModel: level ${level.stride} has no ${kind} output`);
        const [h, w, c] = shapes.get(name)!;
        const shape = constant(`${name}/flat/shape`, [2], new Int32Array([h * w, c]));
        return op(`${name}/flat`, 'Reshape', [name, shape], { Tshape: INT32 });
      });
    const axis0 = constant('decode/axis0', [], new Int32Array([0]));
    const axis1 = constant('decode/axis1', [], new Int32Array([1]));
    const boxes = flat('box');
    const classes = flat('cls');
    const box = op('decode/box', 'ConcatV2', [...boxes, axis0], { N: { i: String(boxes.length) }, Tidx: INT32 });
    const distances = op('decode/distances', 'Exp', [box]);
    const matrix = constant('decode/matrix', [4, 4], decodeMatrix());
    const relative = op('decode/relative', 'MatMul', [distances, matrix], { transpose_a: { b: false }, transpose_b: { b: false } });
    const centres = anchorCentres(architecture);
    const offsets = new Float32Array(n * 4);
    for (let k = 0; k < n; k++) {
      offsets[k * 4] = centres[k * 2];
      offsets[k * 4 + 1] = centres[k * 2 + 1];
    }
    let rows: string;
    if (architecture.task !== 'obb') {
      const anchors = constant('decode/anchors', [n, 4], offsets);
      const xywh = op('decode/xywh', 'AddV2', [relative, anchors]);
      const logits = op('decode/logits', 'ConcatV2', [...classes, axis0], { N: { i: String(classes.length) }, Tidx: INT32 });
      const scores = op('decode/scores', 'Sigmoid', [logits]);
      rows = op('decode/rows', 'ConcatV2', [xywh, scores, axis1], { N: { i: '2' }, Tidx: INT32 });
    } else {
      // Oriented boxes, as in the ONNX graph: θ = (sigmoid(logit) − 0.25)·π, the frame's offset (xf, yf) turned by θ.
      const angles = flat('angle');
      const sizes = constant('decode/split', [3], new Int32Array([1, 1, 2]));
      const parts = op('decode/parts', 'SplitV', [relative, sizes, axis1], { num_split: { i: '3' }, Tlen: INT32 });
      const [xf, yf, wh] = [parts, `${parts}:1`, `${parts}:2`];
      const quarter = constant('decode/quarter', [], new Float32Array([0.25]));
      const pi = constant('decode/pi', [], new Float32Array([Math.PI]));
      const angleLogits = op('decode/angle/logits', 'ConcatV2', [...angles, axis0], { N: { i: String(angles.length) }, Tidx: INT32 });
      const theta = op('decode/theta', 'Mul', [op('decode/angle/shifted', 'Sub', [op('decode/angle/sigmoid', 'Sigmoid', [angleLogits]), quarter]), pi]);
      const cos = op('decode/cos', 'Cos', [theta]);
      const sin = op('decode/sin', 'Sin', [theta]);
      const x = op('decode/x', 'Sub', [op('decode/xf·cos', 'Mul', [xf, cos]), op('decode/yf·sin', 'Mul', [yf, sin])]);
      const y = op('decode/y', 'AddV2', [op('decode/xf·sin', 'Mul', [xf, sin]), op('decode/yf·cos', 'Mul', [yf, cos])]);
      const ax = constant('decode/anchors/x', [n, 1], Float32Array.from({ length: n }, (_, k) => centres[k * 2]));
      const ay = constant('decode/anchors/y', [n, 1], Float32Array.from({ length: n }, (_, k) => centres[k * 2 + 1]));
      const cx = op('decode/cx', 'AddV2', [x, ax]);
      const cy = op('decode/cy', 'AddV2', [y, ay]);
      const logits = op('decode/logits', 'ConcatV2', [...classes, axis0], { N: { i: String(classes.length) }, Tidx: INT32 });
      const scores = op('decode/scores', 'Sigmoid', [logits]);
      rows = op('decode/rows', 'ConcatV2', [cx, cy, wh, scores, theta, axis1], { N: { i: '5' }, Tidx: INT32 });
    }
    const channels = 4 + nc + (architecture.task === 'obb' ? 1 : 0);
    const perm = constant('decode/perm', [2], new Int32Array([1, 0]));
    const columns = op('decode/columns', 'Transpose', [rows, perm], { Tperm: INT32 });
    const outShape = constant('output0/shape', [3], new Int32Array([1, channels, n]));
    op('output0', 'Reshape', [columns, outShape], { Tshape: INT32 });
    return [1, channels, n];
  }

  const byteLength = entries.reduce((total, e) => total + e.values.length * 4, 0);
  const data = new Uint8Array(byteLength);
  const view = new DataView(data.buffer);
  let offset = 0;
  for (const e of entries) {
    for (let i = 0; i < e.values.length; i++, offset += 4) {
      if (e.dtype === 'float32') view.setFloat32(offset, e.values[i], true);
      else view.setInt32(offset, e.values[i], true);
    }
  }
  const modelJson = {
    format: 'graph-model',
    generatedBy: `yolokit default model ${metadata.version}`,
    convertedBy: '@yolokit/default-model exporter',
    signature: {
      inputs: { images: tensorInfo(`${architecture.input}:0`, [1, s, s, 3]) },
      outputs: { output0: tensorInfo('output0:0', output) },
    },
    modelTopology: { node: nodes, library: {}, versions: {} },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: entries.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
  };
  return { modelJson: `${JSON.stringify(modelJson)}\n`, weights: data, metadataYaml: metadataYaml(metadata) };
}

/**
 * Reads the convolution weights back from a TF.js graph model folder written by
 * {@link exportTfjsGraphModel}: the committed weights are the source for re-exporting ONNX.
 */
export function readTfjsWeights(folder: string): FoldedWeights {
  const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  };
  const out: FoldedWeights = new Map();
  const pending = new Map<string, { kernel?: Float32Array; bias?: Float32Array }>();
  for (const group of manifest.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((path) => readFileSync(join(folder, path))));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const match = /^(.*)\/(kernel|bias)$/.exec(spec.name);
      if (spec.dtype === 'float32' && match) {
        const values = new Float32Array(count);
        for (let i = 0; i < count; i++) values[i] = view.getFloat32(offset + i * 4, true);
        const entry = pending.get(match[1]) ?? {};
        entry[match[2] as 'kernel' | 'bias'] = values;
        pending.set(match[1], entry);
      }
      offset += count * 4;
    }
  }
  for (const [name, { kernel, bias }] of pending) {
    if (kernel && bias) out.set(name, { kernel, bias });
  }
  return out;
}
