import { type Architecture, anchorCentres, anchorCount, type ConvLayer } from '../export/architecture.js';
import type { FoldedWeights } from '../export/folded-weights.js';
import { Random } from '../random.js';
import { tf } from './tf-setup.js';
import { trainableConv2d } from './trainable-conv.js';

/** BatchNorm epsilon, as Ultralytics uses. */
export const BATCH_NORM_EPSILON = 1e-3;
/** Share of each batch's statistics in the running statistics. */
const BATCH_NORM_MOMENTUM = 0.03;
/** Initial class probability, so early training is not swamped by the many negative cells. */
const CLASS_PRIOR = 0.01;

interface ConvParameters {
  layer: ConvLayer;
  kernel: tf.Variable;
  /** Present for head convolutions (no BatchNorm). */
  bias?: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  runningMean?: tf.Variable;
  runningVariance?: tf.Variable;
}

/** Raw per-level outputs: box log-distances and class logits, each flattened to `[B, cells, channels]`. */
export interface RawOutputs {
  box: tf.Tensor3D;
  cls: tf.Tensor3D;
  /** Oriented-box models: the angle logit of each cell, `[B, cells, 1]`. */
  angle?: tf.Tensor3D;
}

/** The trainable network: parameters as TF.js variables, the architecture as data. */
export class Network {
  readonly architecture: Architecture;
  readonly #convs = new Map<string, ConvParameters>();
  /** Per-anchor stride `[1, N, 1]` and centres `[1, N, 2]`, in output-column order. */
  readonly strides: tf.Tensor3D;
  readonly centres: tf.Tensor3D;

  constructor(architecture: Architecture, seed: number) {
    this.architecture = architecture;
    const random = new Random(seed);
    for (const layer of architecture.layers) {
      if (layer.kind !== 'conv') continue;
      const fanIn = layer.kernel * layer.kernel * layer.inChannels;
      const head = !layer.batchNorm;
      // He initialisation for SiLU layers; heads start small so that early outputs are the biases.
      const std = head ? 0.01 : Math.sqrt(2 / fanIn);
      const size = fanIn * layer.outChannels;
      const values = new Float32Array(size);
      for (let i = 0; i < size; i += 2) {
        // Box-Muller from the seeded generator: the same weights on every machine.
        const u = Math.max(random.next(), 1e-12);
        const v = random.next();
        const r = Math.sqrt(-2 * Math.log(u));
        values[i] = r * Math.cos(2 * Math.PI * v) * std;
        if (i + 1 < size) values[i + 1] = r * Math.sin(2 * Math.PI * v) * std;
      }
      const shape: [number, number, number, number] = [layer.kernel, layer.kernel, layer.inChannels, layer.outChannels];
      const params: ConvParameters = { layer, kernel: tf.variable(tf.tensor4d(values, shape), true, `${layer.name}/kernel`) };
      if (head) {
        const isClass = architecture.levels.some((level) => level.cls === layer.name);
        const bias = isClass ? -Math.log((1 - CLASS_PRIOR) / CLASS_PRIOR) : 0;
        params.bias = tf.variable(tf.fill([layer.outChannels], bias), true, `${layer.name}/bias`);
      } else {
        params.gamma = tf.variable(tf.ones([layer.outChannels]), true, `${layer.name}/gamma`);
        params.beta = tf.variable(tf.zeros([layer.outChannels]), true, `${layer.name}/beta`);
        params.runningMean = tf.variable(tf.zeros([layer.outChannels]), false, `${layer.name}/running_mean`);
        params.runningVariance = tf.variable(tf.ones([layer.outChannels]), false, `${layer.name}/running_variance`);
      }
      this.#convs.set(layer.name, params);
    }
    const n = anchorCount(architecture);
    const strides = new Float32Array(n);
    let k = 0;
    for (const { stride } of architecture.levels) {
      const cells = (architecture.imgsz / stride) ** 2;
      strides.fill(stride, k, k + cells);
      k += cells;
    }
    this.strides = tf.tensor3d(strides, [1, n, 1]);
    this.centres = tf.tensor3d(anchorCentres(architecture), [1, n, 2]);
  }

  /** The variables the optimiser updates. */
  trainableVariables(): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (const p of this.#convs.values()) {
      out.push(p.kernel);
      for (const v of [p.bias, p.gamma, p.beta]) if (v) out.push(v);
    }
    return out;
  }

  parameterCount(): number {
    return this.trainableVariables().reduce((n, v) => n + v.size, 0);
  }

  /**
   * Runs the network on `[B, S, S, 3]` images in 0..1. In training mode BatchNorm uses the batch's
   * statistics and reports them through `batchStats` (kept tensors the caller must fold into the running
   * statistics with {@link updateRunningStats}); otherwise it uses the running statistics.
   */
  forward(images: tf.Tensor4D, training: boolean, batchStats?: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>): RawOutputs {
    const tensors = this.#layers(images, training, batchStats);
    const batch = images.shape[0];
    const flatten = (name: string) => {
      const t = tensors.get(name)!;
      return tf.reshape(t, [batch, t.shape[1] * t.shape[2], t.shape[3]]) as tf.Tensor3D;
    };
    const angles = this.architecture.levels.map((level) => level.angle).filter((name) => name !== undefined);
    return {
      box: tf.concat(this.architecture.levels.map((level) => flatten(level.box)), 1),
      cls: tf.concat(this.architecture.levels.map((level) => flatten(level.cls)), 1),
      ...(angles.length > 0 ? { angle: tf.concat(angles.map(flatten), 1) } : {}),
    };
  }

  /** A classifier's class logits `[B, nc]` (see {@link forward} for `training` and `batchStats`). */
  logits(images: tf.Tensor4D, training: boolean, batchStats?: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>): tf.Tensor2D {
    const name = this.architecture.logits;
    if (!name) throw new Error('logits(): the architecture is not a classifier');
    const out = this.#layers(images, training, batchStats).get(name)!;
    return tf.reshape(out, [images.shape[0], this.architecture.classCount]) as tf.Tensor2D;
  }

  /** Every layer's output by name, from `[B, S, S, 3]` images. */
  #layers(images: tf.Tensor4D, training: boolean, batchStats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }> | undefined): Map<string, tf.Tensor4D> {
    const tensors = new Map<string, tf.Tensor4D>([[this.architecture.input, images]]);
    for (const layer of this.architecture.layers) {
      if (layer.kind === 'upsample') {
        const x = tensors.get(layer.input)!;
        tensors.set(layer.output, tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]));
      } else if (layer.kind === 'concat') {
        tensors.set(layer.output, tf.concat(layer.inputs.map((name) => tensors.get(name)!), 3));
      } else if (layer.kind === 'pool') {
        tensors.set(layer.output, tf.mean(tensors.get(layer.input)!, [1, 2], true));
      } else {
        tensors.set(layer.output, this.#conv(this.#convs.get(layer.name)!, tensors.get(layer.input)!, training, batchStats));
      }
    }
    return tensors;
  }

  /**
   * An oriented-box model's boxes from raw outputs, in input pixels: `[B, N, 5]` cx, cy, w, h, angle, decoded as
   * the exported graph (and Ultralytics' `dist2rbox`) does: the angle `(sigmoid − 0.25)·π`, the offset of the
   * box's own frame ((r − l)/2, (b − t)/2) turned by it.
   */
  rotatedBoxes(raw: RawOutputs): tf.Tensor3D {
    if (!raw.angle) throw new Error('rotatedBoxes(): the architecture has no angle outputs');
    const [l, t, r, b] = tf.split(this.distances(raw.box), 4, 2);
    const angle = tf.mul(tf.sub(tf.sigmoid(raw.angle), 0.25), Math.PI);
    const cos = tf.cos(angle);
    const sin = tf.sin(angle);
    const xf = tf.div(tf.sub(r, l), 2);
    const yf = tf.div(tf.sub(b, t), 2);
    const cx = tf.add(tf.slice(this.centres, [0, 0, 0], [-1, -1, 1]), tf.sub(tf.mul(xf, cos), tf.mul(yf, sin)));
    const cy = tf.add(tf.slice(this.centres, [0, 0, 1], [-1, -1, 1]), tf.add(tf.mul(xf, sin), tf.mul(yf, cos)));
    return tf.concat([cx, cy, tf.add(l, r), tf.add(t, b), angle], 2) as tf.Tensor3D;
  }

  /** Edge distances in input pixels, `[B, N, 4]` (left, top, right, bottom). */
  distances(box: tf.Tensor3D): tf.Tensor3D {
    return tf.mul(tf.exp(tf.clipByValue(box, -8, 8)), this.strides);
  }

  /**
   * The model's output in Ultralytics' layout, `[B, 4 + nc, N]`: cx, cy, w, h in input pixels, then class
   * probabilities (and for an oriented-box model the angle, `[B, 4 + nc + 1, N]`): what the exported models compute.
   */
  predict(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => {
      const raw = this.forward(images, false);
      if (raw.angle) {
        // [B, N, 5] cx, cy, w, h, angle → Ultralytics' OBB layout [B, 4 + nc + 1, N].
        const [xywh, angle] = tf.split(this.rotatedBoxes(raw), [4, 1], 2);
        return tf.transpose(tf.concat([xywh, tf.sigmoid(raw.cls), angle], 2), [0, 2, 1]) as tf.Tensor3D;
      }
      const { box, cls } = raw;
      const d = this.distances(box);
      const [l, t, r, b] = tf.split(d, 4, 2);
      const cx = tf.add(tf.slice(this.centres, [0, 0, 0], [-1, -1, 1]), tf.div(tf.sub(r, l), 2));
      const cy = tf.add(tf.slice(this.centres, [0, 0, 1], [-1, -1, 1]), tf.div(tf.sub(b, t), 2));
      const out = tf.concat([cx, cy, tf.add(l, r), tf.add(t, b), tf.sigmoid(cls)], 2);
      return tf.transpose(out, [0, 2, 1]) as tf.Tensor3D;
    });
  }

  /** A classifier's class probabilities `[B, nc]` (running BatchNorm statistics): what the exported models compute. */
  probabilities(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(images, false)));
  }

  /** Folds one step's batch statistics into the running statistics and disposes them. */
  updateRunningStats(batchStats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }>): void {
    for (const [name, { mean, variance }] of batchStats) {
      const p = this.#convs.get(name)!;
      tf.tidy(() => {
        p.runningMean!.assign(tf.add(tf.mul(p.runningMean!, 1 - BATCH_NORM_MOMENTUM), tf.mul(mean, BATCH_NORM_MOMENTUM)));
        p.runningVariance!.assign(tf.add(tf.mul(p.runningVariance!, 1 - BATCH_NORM_MOMENTUM), tf.mul(variance, BATCH_NORM_MOMENTUM)));
      });
      mean.dispose();
      variance.dispose();
    }
    batchStats.clear();
  }

  /**
   * The deployable weights: BatchNorm folded into each convolution, and `ln(stride)` added to the box
   * biases so that the exported graph computes distances as a bare `exp`.
   */
  async foldedWeights(): Promise<FoldedWeights> {
    const out: FoldedWeights = new Map();
    for (const [name, p] of this.#convs) {
      const kernel = (await p.kernel.data()) as Float32Array;
      const co = p.layer.outChannels;
      const folded = new Float32Array(kernel.length);
      const bias = new Float32Array(co);
      if (p.bias) {
        folded.set(kernel);
        bias.set((await p.bias.data()) as Float32Array);
        const level = this.architecture.levels.find((l) => l.box === name);
        if (level) for (let c = 0; c < co; c++) bias[c] += Math.log(level.stride);
      } else {
        const [gamma, beta, mean, variance] = await Promise.all([p.gamma!, p.beta!, p.runningMean!, p.runningVariance!].map((v) => v.data()));
        const scale = new Float32Array(co);
        for (let c = 0; c < co; c++) {
          scale[c] = gamma[c] / Math.sqrt(variance[c] + BATCH_NORM_EPSILON);
          bias[c] = beta[c] - mean[c] * scale[c];
        }
        // HWIO: the output channel is the fastest-varying index.
        for (let i = 0; i < kernel.length; i++) folded[i] = kernel[i] * scale[i % co];
      }
      out.set(name, { kernel: folded, bias });
    }
    return out;
  }

  /** Every variable's values by name, to save and resume. */
  async snapshot(): Promise<Record<string, Float32Array>> {
    const out: Record<string, Float32Array> = {};
    for (const p of this.#convs.values()) {
      for (const v of [p.kernel, p.bias, p.gamma, p.beta, p.runningMean, p.runningVariance]) {
        if (v) out[v.name] = (await v.data()) as Float32Array;
      }
    }
    return out;
  }

  dispose(): void {
    for (const p of this.#convs.values()) {
      for (const v of [p.kernel, p.bias, p.gamma, p.beta, p.runningMean, p.runningVariance]) v?.dispose();
    }
    this.strides.dispose();
    this.centres.dispose();
  }

  #conv(
    p: ConvParameters,
    x: tf.Tensor4D,
    training: boolean,
    batchStats: Map<string, { mean: tf.Tensor; variance: tf.Tensor }> | undefined,
  ): tf.Tensor4D {
    const { layer } = p;
    let y = trainableConv2d(x, p.kernel as tf.Tensor4D, layer.stride);
    if (p.bias) y = tf.add(y, p.bias);
    if (layer.batchNorm) {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training) {
        const moments = tf.moments(y, [0, 1, 2]);
        mean = moments.mean;
        variance = moments.variance;
        batchStats?.set(layer.name, { mean: tf.keep(tf.clone(mean)), variance: tf.keep(tf.clone(variance)) });
      } else {
        mean = p.runningMean!;
        variance = p.runningVariance!;
      }
      y = tf.add(tf.mul(tf.sub(y, mean), tf.mul(tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)), p.gamma!)), p.beta!);
    }
    if (layer.activation === 'silu') y = tf.mul(y, tf.sigmoid(y));
    return y;
  }
}
