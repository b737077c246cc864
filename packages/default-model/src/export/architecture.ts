/**
 * The default model's architecture as data, shared by the training code and both exporters so that the
 * network trained and the networks written are the same by construction.
 */

/** A 2-D convolution (bias included once BatchNorm is folded), optionally followed by SiLU. */
export interface ConvLayer {
  readonly kind: 'conv';
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: 1 | 3;
  readonly stride: 1 | 2;
  /** Whether training uses BatchNorm after the convolution (folded into kernel and bias at export). */
  readonly batchNorm: boolean;
  readonly activation: 'silu' | 'none';
}

/** Nearest-neighbour upsampling by 2. */
export interface UpsampleLayer {
  readonly kind: 'upsample';
  readonly name: string;
  readonly input: string;
  readonly output: string;
}

/** Concatenation along channels. */
export interface ConcatLayer {
  readonly kind: 'concat';
  readonly name: string;
  readonly inputs: readonly string[];
  readonly output: string;
}

export type Layer = ConvLayer | UpsampleLayer | ConcatLayer;

/** One output grid: its stride and the tensors holding raw box distances and raw class logits. */
export interface DetectionLevel {
  readonly stride: number;
  /** 4 channels: log-distances to the left, top, right and bottom edges, in strides. */
  readonly box: string;
  /** One logit per class. */
  readonly cls: string;
}

export interface Architecture {
  /** Square input size. */
  readonly imgsz: number;
  readonly classCount: number;
  /** Name of the image input (NHWC in TF.js, NCHW in ONNX, RGB in 0..1). */
  readonly input: string;
  readonly layers: readonly Layer[];
  readonly levels: readonly DetectionLevel[];
}

function conv(
  name: string,
  input: string,
  inChannels: number,
  outChannels: number,
  kernel: 1 | 3,
  stride: 1 | 2,
  head = false,
): ConvLayer {
  return {
    kind: 'conv',
    name,
    input,
    output: name,
    inChannels,
    outChannels,
    kernel,
    stride,
    batchNorm: !head,
    activation: head ? 'none' : 'silu',
  };
}

/**
 * The default detector: a plain strided-conv backbone to stride 16, a small top-down neck and two
 * anchor-free heads (stride 8 and 16), each predicting per cell four edge distances and class logits.
 */
export function defaultArchitecture(classCount = 4, imgsz = 160): Architecture {
  const layers: Layer[] = [
    conv('stem', 'images', 3, 16, 3, 2), // 1/2
    conv('down1', 'stem', 16, 24, 3, 2), // 1/4
    conv('block1', 'down1', 24, 24, 3, 1),
    conv('down2', 'block1', 24, 40, 3, 2), // 1/8
    conv('block2', 'down2', 40, 40, 3, 1),
    conv('down3', 'block2', 40, 64, 3, 2), // 1/16
    conv('block3', 'down3', 64, 64, 3, 1),
    { kind: 'upsample', name: 'up', input: 'block3', output: 'up' },
    { kind: 'concat', name: 'fuse', inputs: ['up', 'block2'], output: 'fuse' },
    conv('neck', 'fuse', 104, 40, 1, 1),
    conv('neck2', 'neck', 40, 40, 3, 1),
    conv('head8', 'neck2', 40, 40, 3, 1),
    conv('box8', 'head8', 40, 4, 1, 1, true),
    conv('cls8', 'head8', 40, classCount, 1, 1, true),
    conv('head16', 'block3', 64, 40, 3, 1),
    conv('box16', 'head16', 40, 4, 1, 1, true),
    conv('cls16', 'head16', 40, classCount, 1, 1, true),
  ];
  return {
    imgsz,
    classCount,
    input: 'images',
    layers,
    levels: [
      { stride: 8, box: 'box8', cls: 'cls8' },
      { stride: 16, box: 'box16', cls: 'cls16' },
    ],
  };
}

/** Number of output anchors (grid cells over every level). */
export function anchorCount(architecture: Architecture): number {
  return architecture.levels.reduce((n, level) => n + (architecture.imgsz / level.stride) ** 2, 0);
}

/**
 * Anchor centres `[x, y]` in input pixels, level by level, row-major within a level: the order of the
 * model's output columns.
 */
export function anchorCentres(architecture: Architecture): Float32Array {
  const out = new Float32Array(anchorCount(architecture) * 2);
  let k = 0;
  for (const { stride } of architecture.levels) {
    const cells = architecture.imgsz / stride;
    for (let i = 0; i < cells; i++) {
      for (let j = 0; j < cells; j++) {
        out[k++] = (j + 0.5) * stride;
        out[k++] = (i + 0.5) * stride;
      }
    }
  }
  return out;
}
