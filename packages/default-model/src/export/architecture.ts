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

/** Global average pooling over height and width (a classifier's last feature map to one vector). */
export interface PoolLayer {
  readonly kind: 'pool';
  readonly name: string;
  readonly input: string;
  readonly output: string;
}

export type Layer = ConvLayer | UpsampleLayer | ConcatLayer | PoolLayer;

/** One output grid: its stride and the tensors holding raw box distances and raw class logits. */
export interface DetectionLevel {
  readonly stride: number;
  /**
   * 4 channels: log-distances to the left, top, right and bottom edges, in strides (for an oriented box, in the
   * box's own frame, as Ultralytics' `dist2rbox` reads them).
   */
  readonly box: string;
  /** One logit per class. */
  readonly cls: string;
  /** Oriented-box models: one channel, the angle's logit; the angle is `(sigmoid − 0.25) · π`, in [−π/4, 3π/4). */
  readonly angle?: string;
}

export interface Architecture {
  /** Square input size. */
  readonly imgsz: number;
  readonly classCount: number;
  /** Name of the image input (NHWC in TF.js, NCHW in ONNX, RGB in 0..1). */
  readonly input: string;
  readonly layers: readonly Layer[];
  readonly levels: readonly DetectionLevel[];
  /**
   * What the model does, as Ultralytics' `task` metadata says it.
   * @defaultValue 'detect'
   */
  readonly task?: 'detect' | 'obb' | 'classify';
  /** Classifiers: the tensor of class logits (`[1, 1, 1, nc]` after the pool), which the export ends in a softmax. */
  readonly logits?: string;
  /** Classifiers: the input size over the last feature map's, for the `stride` metadata (detectors: the largest level stride). */
  readonly stride?: number;
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

/**
 * The oriented-box model: the default detector's backbone, neck and heads, plus one angle channel per level
 * (a 1×1 convolution beside the box and class ones), decoded in the graph as Ultralytics' OBB head does.
 */
export function obbArchitecture(classCount = 3, imgsz = 160): Architecture {
  const detector = defaultArchitecture(classCount, imgsz);
  return {
    ...detector,
    task: 'obb',
    layers: [...detector.layers, conv('angle8', 'head8', 40, 1, 1, 1, true), conv('angle16', 'head16', 40, 1, 1, 1, true)],
    levels: detector.levels.map((level) => ({ ...level, angle: `angle${level.stride}` })),
  };
}

/**
 * The shapes classifier: a plain strided-conv backbone to stride 16, global average pooling and a 1×1
 * convolution to one logit per class (a linear layer), softmax in the exported graph.
 */
export function classifierArchitecture(classCount = 4, imgsz = 64): Architecture {
  return {
    imgsz,
    classCount,
    input: 'images',
    task: 'classify',
    stride: 16,
    logits: 'fc',
    levels: [],
    layers: [
      conv('stem', 'images', 3, 16, 3, 2), // 1/2
      conv('down1', 'stem', 16, 24, 3, 2), // 1/4
      conv('block1', 'down1', 24, 24, 3, 1),
      conv('down2', 'block1', 24, 48, 3, 2), // 1/8
      conv('block2', 'down2', 48, 48, 3, 1),
      conv('down3', 'block2', 48, 80, 3, 2), // 1/16
      conv('block3', 'down3', 80, 80, 3, 1),
      { kind: 'pool', name: 'pool', input: 'block3', output: 'pool' },
      conv('fc', 'pool', 80, classCount, 1, 1, true),
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
