import { type Architecture, anchorCentres, anchorCount } from './architecture.js';
import type { FoldedWeights } from './folded-weights.js';
import { onnxMetadataProps, ultralyticsMetadata } from './model-metadata.js';
import { modelProtoType, OnnxAttributeType, OnnxDataType } from './onnx-proto.js';
import { decodeMatrix, samePadding } from './graph-math.js';

/** ONNX opset and IR version written: supported by every onnxruntime release of the last years. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

interface Attribute {
  name: string;
  type: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

interface Node {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const text = new TextEncoder();

function floatTensor(name: string, dims: number[], values: Float32Array): Tensor {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { name, dims, data_type: OnnxDataType.FLOAT, raw_data: raw };
}

function int64Tensor(name: string, values: number[]): Tensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims: [values.length], data_type: OnnxDataType.INT64, raw_data: raw };
}

function ints(name: string, values: number[]): Attribute {
  return { name, type: OnnxAttributeType.INTS, ints: values };
}

function int(name: string, value: number): Attribute {
  return { name, type: OnnxAttributeType.INT, i: value };
}

function string(name: string, value: string): Attribute {
  return { name, type: OnnxAttributeType.STRING, s: text.encode(value) };
}

function valueInfo(name: string, dims: number[]) {
  return { name, type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } };
}

/** HWIO (TF.js) to OIHW (ONNX). */
function toOihw(kernel: Float32Array, k: number, inChannels: number, outChannels: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let h = 0; h < k; h++) {
    for (let w = 0; w < k; w++) {
      for (let i = 0; i < inChannels; i++) {
        for (let o = 0; o < outChannels; o++) {
          out[((o * inChannels + i) * k + h) * k + w] = kernel[((h * k + w) * inChannels + i) * outChannels + o];
        }
      }
    }
  }
  return out;
}

/**
 * Writes the default model as ONNX: input `images` `[1, 3, S, S]` (RGB, 0..1), output `output0`
 * `[1, 4 + nc, N]` (cx, cy, w, h in input pixels, then class probabilities), Ultralytics' layout and
 * `metadata_props`. Built message by message with protobufjs; nothing in it depends on the time or the
 * machine, so the same weights always give the same bytes.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { defaultModelPath } from '@yolokit/default-model';
 * import { defaultArchitecture, exportOnnx, readTfjsWeights } from '@yolokit/default-model/export';
 * const weights = readTfjsWeights(defaultModelPath('tfjs'));
 * const bytes = exportOnnx(defaultArchitecture(), weights, { 0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring' });
 * console.log(Buffer.compare(bytes, readFileSync(defaultModelPath())) === 0);
 * ```
 */
export function exportOnnx(architecture: Architecture, weights: FoldedWeights, names: Readonly<Record<number, string>>): Uint8Array {
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  const shapes = new Map<string, [number, number, number]>([[architecture.input, [3, architecture.imgsz, architecture.imgsz]]]);

  for (const layer of architecture.layers) {
    if (layer.kind === 'upsample') {
      const [c, h, w] = shapes.get(layer.input)!;
      const scales = `${layer.name}/scales`;
      initializers.push(floatTensor(scales, [4], new Float32Array([1, 1, 2, 2])));
      nodes.push({
        name: layer.name,
        op_type: 'Resize',
        input: [layer.input, '', scales],
        output: [layer.output],
        // floor(dst / 2): TF's ResizeNearestNeighbor without align_corners or half_pixel_centers.
        attribute: [string('coordinate_transformation_mode', 'asymmetric'), string('mode', 'nearest'), string('nearest_mode', 'floor')],
      });
      shapes.set(layer.output, [c, h * 2, w * 2]);
    } else if (layer.kind === 'concat') {
      const parts = layer.inputs.map((name) => shapes.get(name)!);
      nodes.push({ name: layer.name, op_type: 'Concat', input: [...layer.inputs], output: [layer.output], attribute: [int('axis', 1)] });
      shapes.set(layer.output, [parts.reduce((n, p) => n + p[0], 0), parts[0][1], parts[0][2]]);
    } else if (layer.kind === 'pool') {
      const [c] = shapes.get(layer.input)!;
      nodes.push({ name: layer.name, op_type: 'GlobalAveragePool', input: [layer.input], output: [layer.output], attribute: [] });
      shapes.set(layer.output, [c, 1, 1]);
    } else {
      const [, h, w] = shapes.get(layer.input)!;
      const folded = weights.get(layer.name);
      if (!folded) throw new Error(`exportOnnx: no weights for layer ${layer.name}`);
      const kernelName = `${layer.name}.weight`;
      const biasName = `${layer.name}.bias`;
      initializers.push(
        floatTensor(kernelName, [layer.outChannels, layer.inChannels, layer.kernel, layer.kernel], toOihw(folded.kernel, layer.kernel, layer.inChannels, layer.outChannels)),
        floatTensor(biasName, [layer.outChannels], folded.bias),
      );
      const [top, bottom] = samePadding(h, layer.kernel, layer.stride);
      const [left, right] = samePadding(w, layer.kernel, layer.stride);
      const convOut = layer.activation === 'silu' ? `${layer.name}/conv` : layer.output;
      nodes.push({
        name: `${layer.name}/Conv`,
        op_type: 'Conv',
        input: [layer.input, kernelName, biasName],
        output: [convOut],
        attribute: [
          ints('dilations', [1, 1]),
          int('group', 1),
          ints('kernel_shape', [layer.kernel, layer.kernel]),
          ints('pads', [top, left, bottom, right]),
          ints('strides', [layer.stride, layer.stride]),
        ],
      });
      if (layer.activation === 'silu') {
        nodes.push(
          { name: `${layer.name}/Sigmoid`, op_type: 'Sigmoid', input: [convOut], output: [`${layer.name}/sigmoid`], attribute: [] },
          { name: `${layer.name}/Mul`, op_type: 'Mul', input: [convOut, `${layer.name}/sigmoid`], output: [layer.output], attribute: [] },
        );
      }
      shapes.set(layer.output, [layer.outChannels, Math.ceil(h / layer.stride), Math.ceil(w / layer.stride)]);
    }
  }

  const output = architecture.task === 'classify' ? classifierOutput(architecture, nodes, initializers) : detectionOutput(architecture, shapes, nodes, initializers);

  const metadata = ultralyticsMetadata(architecture, names);
  const message = {
    ir_version: IR_VERSION,
    producer_name: 'yolokit',
    producer_version: metadata.version,
    model_version: 1,
    doc_string: metadata.description,
    graph: {
      node: nodes,
      name: architecture.task === 'obb' ? 'yolokit-shapes-obb' : architecture.task === 'classify' ? 'yolokit-shapes-cls' : 'yolokit-shapes',
      initializer: initializers,
      input: [valueInfo(architecture.input, [1, 3, architecture.imgsz, architecture.imgsz])],
      output: [valueInfo('output0', output)],
    },
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    metadata_props: onnxMetadataProps(metadata).map(([key, value]) => ({ key, value })),
  };
  const type = modelProtoType();
  const invalid = type.verify(message);
  if (invalid) throw new Error(`exportOnnx: invalid ModelProto: ${invalid}`);
  return type.encode(type.fromObject(message)).finish();
}

/** A classifier's end: its logits `[1, nc, 1, 1]` flattened and turned into probabilities, `output0` `[1, nc]`. */
function classifierOutput(architecture: Architecture, nodes: Node[], initializers: Tensor[]): number[] {
  const logits = architecture.logits;
  if (!logits) throw new Error('exportOnnx: a classifier architecture names its logits');
  initializers.push(int64Tensor('output/shape', [1, architecture.classCount]));
  nodes.push(
    { name: 'output/Reshape', op_type: 'Reshape', input: [logits, 'output/shape'], output: ['output/logits'], attribute: [] },
    { name: 'output/Softmax', op_type: 'Softmax', input: ['output/logits'], output: ['output0'], attribute: [int('axis', 1)] },
  );
  return [1, architecture.classCount];
}

/**
 * A detector's end, Ultralytics' layout `[1, 4 + nc (+ 1), N]`: each level's grid flattened, the log-distances
 * exp'ed and turned into (cx, cy, w, h); an oriented-box model turns the centre offset by its angle (Ultralytics'
 * `dist2rbox`) and appends the angle.
 */
function detectionOutput(architecture: Architecture, shapes: Map<string, [number, number, number]>, nodes: Node[], initializers: Tensor[]): number[] {
  // Decode: flatten each level's grid, exp the log-distances, turn (l, t, r, b) into (cx, cy, w, h).
  const n = anchorCount(architecture);
  const flat = (kind: 'box' | 'cls' | 'angle') =>
    architecture.levels.map((level) => {
      const name = level[kind];
      if (!name) throw new Error(`exportOnnx: level ${level.stride} has no ${kind} output`);
      const [c, h, w] = shapes.get(name)!;
      const shape = `${name}/shape`;
      initializers.push(int64Tensor(shape, [1, c, h * w]));
      nodes.push({ name: `${name}/Reshape`, op_type: 'Reshape', input: [name, shape], output: [`${name}/flat`], attribute: [] });
      return `${name}/flat`;
    });
  const boxes = flat('box');
  const classes = flat('cls');
  nodes.push(
    { name: 'decode/box/Concat', op_type: 'Concat', input: boxes, output: ['decode/box'], attribute: [int('axis', 2)] },
    { name: 'decode/Exp', op_type: 'Exp', input: ['decode/box'], output: ['decode/distances'], attribute: [] },
  );
  // [4, 4] · [1, 4, N]: rows give cx − ax, cy − ay, w, h from l, t, r, b.
  const matrix = decodeMatrix();
  const transposed = new Float32Array(16);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) transposed[r * 4 + c] = matrix[c * 4 + r];
  initializers.push(floatTensor('decode/matrix', [4, 4], transposed));
  const centres = anchorCentres(architecture);
  const offsets = new Float32Array(4 * n);
  for (let k = 0; k < n; k++) {
    offsets[k] = centres[k * 2];
    offsets[n + k] = centres[k * 2 + 1];
  }
  nodes.push({ name: 'decode/MatMul', op_type: 'MatMul', input: ['decode/matrix', 'decode/distances'], output: ['decode/relative'], attribute: [] });
  const classCount = architecture.classCount;
  if (architecture.task !== 'obb') {
    initializers.push(floatTensor('decode/anchors', [1, 4, n], offsets));
    nodes.push(
      { name: 'decode/Add', op_type: 'Add', input: ['decode/relative', 'decode/anchors'], output: ['decode/xywh'], attribute: [] },
      { name: 'decode/cls/Concat', op_type: 'Concat', input: classes, output: ['decode/logits'], attribute: [int('axis', 2)] },
      { name: 'decode/Sigmoid', op_type: 'Sigmoid', input: ['decode/logits'], output: ['decode/scores'], attribute: [] },
      { name: 'output/Concat', op_type: 'Concat', input: ['decode/xywh', 'decode/scores'], output: ['output0'], attribute: [int('axis', 1)] },
    );
    return [1, 4 + classCount, n];
  }
  // Oriented boxes: θ = (sigmoid(logit) − 0.25)·π; the offset (xf, yf) = ((r − l)/2, (b − t)/2) of the box's own
  // frame turned by θ: (xf cos θ − yf sin θ, xf sin θ + yf cos θ), then the anchor added.
  const angles = flat('angle');
  initializers.push(
    int64Tensor('decode/split', [1, 1, 2]),
    floatTensor('decode/quarter', [], new Float32Array([0.25])),
    floatTensor('decode/pi', [], new Float32Array([Math.PI])),
    floatTensor('decode/anchors/x', [1, 1, n], offsets.subarray(0, n)),
    floatTensor('decode/anchors/y', [1, 1, n], offsets.subarray(n, 2 * n)),
  );
  const op = (name: string, type: string, input: string[], attribute: Attribute[] = []) => {
    nodes.push({ name: `${name}/${type}`, op_type: type, input, output: [name], attribute });
    return name;
  };
  nodes.push({ name: 'decode/Split', op_type: 'Split', input: ['decode/relative', 'decode/split'], output: ['decode/xf', 'decode/yf', 'decode/wh'], attribute: [int('axis', 1)] });
  const logits = op('decode/angle/logits', 'Concat', angles, [int('axis', 2)]);
  const theta = op('decode/theta', 'Mul', [op('decode/angle/shifted', 'Sub', [op('decode/angle/sigmoid', 'Sigmoid', [logits]), 'decode/quarter']), 'decode/pi']);
  const cos = op('decode/cos', 'Cos', [theta]);
  const sin = op('decode/sin', 'Sin', [theta]);
  const x = op('decode/x', 'Sub', [op('decode/xf·cos', 'Mul', ['decode/xf', cos]), op('decode/yf·sin', 'Mul', ['decode/yf', sin])]);
  const y = op('decode/y', 'Add', [op('decode/xf·sin', 'Mul', ['decode/xf', sin]), op('decode/yf·cos', 'Mul', ['decode/yf', cos])]);
  const cx = op('decode/cx', 'Add', [x, 'decode/anchors/x']);
  const cy = op('decode/cy', 'Add', [y, 'decode/anchors/y']);
  const scores = op('decode/scores', 'Sigmoid', [op('decode/logits', 'Concat', classes, [int('axis', 2)])]);
  nodes.push({ name: 'output/Concat', op_type: 'Concat', input: [cx, cy, 'decode/wh', scores, theta], output: ['output0'], attribute: [int('axis', 1)] });
  return [1, 4 + classCount + 1, n];
}
