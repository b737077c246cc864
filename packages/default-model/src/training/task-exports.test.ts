import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { boxCovariance, probiou } from '@yolokit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Architecture, classifierArchitecture, obbArchitecture } from '../export/architecture.js';
import { exportOnnx } from '../export/export-onnx.js';
import { exportTfjsGraphModel } from '../export/export-tfjs.js';
import { generateRotatedScene } from '../generate-rotated-scene.js';
import { Network } from './network.js';
import { buildObbBatch, headDescription } from './obb-targets.js';
import { probiouTensor } from './obb-loss.js';
import { initTensorflow, tf } from './tf-setup.js';

// The task models' exported graphs compute what the training network computes: an untrained network with random
// weights and BatchNorm statistics made non-trivial by a few training-mode passes, exported, run by
// onnxruntime-node and by TF.js from the written graph, against network.predict / probabilities on the same input.

const NAMES = { obb: { 0: 'rectangle', 1: 'ellipse', 2: 'triangle' }, classify: { 0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring' } };

async function networkWithStatistics(architecture: Architecture, seed: number): Promise<Network> {
  const network = new Network(architecture, seed);
  const s = architecture.imgsz;
  for (let i = 0; i < 3; i++) {
    const stats = new Map<string, { mean: tf.Tensor; variance: tf.Tensor }>();
    tf.tidy(() => {
      const x = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', seed + i) as tf.Tensor4D;
      if (architecture.task === 'classify') network.logits(x, true, stats);
      else network.forward(x, true, stats);
    });
    network.updateRunningStats(stats);
  }
  return network;
}

async function runOnnx(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<Float32Array> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, dims) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

async function runTfjs(files: ReturnType<typeof exportTfjsGraphModel>, input: tf.Tensor4D): Promise<Float32Array> {
  const modelJson = JSON.parse(files.modelJson);
  const model = await loadGraphModel({
    load: async () => ({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: files.weights.buffer.slice(files.weights.byteOffset, files.weights.byteOffset + files.weights.byteLength) as ArrayBuffer,
    }),
  });
  const y = model.execute(input) as tf.Tensor;
  const data = (await y.data()) as Float32Array;
  tf.dispose(y);
  model.dispose();
  return data;
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('the task models: exported graphs compute what the network computes', () => {
  beforeAll(async () => {
    await initTensorflow('wasm');
  });

  for (const task of ['obb', 'classify'] as const) {
    it(`${task}: ONNX (onnxruntime-node) and the TF.js graph model match the training network`, async () => {
      const architecture = task === 'obb' ? obbArchitecture(3, 64) : classifierArchitecture(4, 64);
      const network = await networkWithStatistics(architecture, 11);
      const weights = await network.foldedWeights();
      const input = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 99) as tf.Tensor4D;
      const expected = (await (task === 'obb' ? network.predict(input) : network.probabilities(input)).data()) as Float32Array;
      const nchw = (await tf.transpose(input, [0, 3, 1, 2]).data()) as Float32Array;
      const onnxOut = await runOnnx(exportOnnx(architecture, weights, NAMES[task]), nchw, [1, 3, 64, 64]);
      const tfjsOut = await runTfjs(exportTfjsGraphModel(architecture, weights, NAMES[task]), input);
      // obb: [1, 4 + 3 + 1, 80] (at 64 px, 8×8 + 4×4 cells): boxes in pixels, angles in radians.
      expect(onnxOut.length).toBe(task === 'obb' ? 8 * 80 : 4);
      expect(largestDifference(onnxOut, expected)).toBeLessThan(task === 'obb' ? 1e-3 : 1e-5);
      expect(largestDifference(tfjsOut, expected)).toBeLessThan(task === 'obb' ? 1e-3 : 1e-5);
      if (task === 'obb') {
        // Angles in the head's range, and not all alike.
        const angles = expected.subarray(7 * 80, 8 * 80);
        expect(Math.min(...angles)).toBeGreaterThanOrEqual(-Math.PI / 4);
        expect(Math.max(...angles)).toBeLessThan((3 * Math.PI) / 4);
        expect(Math.max(...angles) - Math.min(...angles)).toBeGreaterThan(1e-3);
      } else {
        expect(expected.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
      tf.dispose(input);
      network.dispose();
    }, 120_000);
  }
});

describe('the oriented-box training targets', () => {
  it('describe each box as the head can: the long side first, the angle in [−π/4, 3π/4)', () => {
    expect(headDescription({ cx: 1, cy: 2, w: 4, h: 8, angle: 0.2 })).toEqual([1, 2, 8, 4, 0.2 + Math.PI / 2]);
    const [, , w, h, angle] = headDescription({ cx: 0, cy: 0, w: 8, h: 4, angle: 2.5 });
    expect([w, h]).toEqual([8, 4]);
    expect(angle).toBeCloseTo(2.5 - Math.PI, 12);
    expect(headDescription({ cx: 0, cy: 0, w: 8, h: 4, angle: -0.7 })[4]).toBeCloseTo(-0.7, 12);
  });

  it('make positive cells inside the turned box, with distances in its own frame', () => {
    const architecture = obbArchitecture(3, 160);
    const scene = generateRotatedScene(4);
    const batch = buildObbBatch([scene], architecture, { sizeRanges: [[0, 48], [36, Number.POSITIVE_INFINITY]], centreRadius: 1.5 });
    expect(batch.positives).toBeGreaterThanOrEqual(scene.objects.length);
    const n = batch.positive.length;
    const centres: [number, number][] = [];
    for (const { stride } of architecture.levels) {
      const cells = 160 / stride;
      for (let i = 0; i < cells; i++) for (let j = 0; j < cells; j++) centres.push([(j + 0.5) * stride, (i + 0.5) * stride]);
    }
    for (let k = 0; k < n; k++) {
      if (!batch.positive[k]) continue;
      const [cx, cy, w, h, angle] = batch.rbox.subarray(k * 5, k * 5 + 5);
      const [l, t, r, b] = batch.dist.subarray(k * 4, k * 4 + 4);
      // The box rebuilt from the cell and its distances, as dist2rbox does, is the target (distances clamped at 0.5 aside).
      if (Math.min(l, t, r, b) > 0.5) {
        const [xf, yf] = [(r - l) / 2, (b - t) / 2];
        expect(centres[k][0] + xf * Math.cos(angle) - yf * Math.sin(angle)).toBeCloseTo(cx, 3);
        expect(centres[k][1] + xf * Math.sin(angle) + yf * Math.cos(angle)).toBeCloseTo(cy, 3);
        expect(l + r).toBeCloseTo(w, 3);
        expect(t + b).toBeCloseTo(h, 3);
      }
      expect(w).toBeGreaterThanOrEqual(h);
    }
  });

  it("compute core's probiou, as differentiable tensors", async () => {
    await initTensorflow('wasm');
    const pairs = [
      [
        [10, 20, 8, 4, 0.3],
        [10, 20, 8, 4, 0.3],
      ],
      [
        [0, 0, 12, 12, 0],
        [6, 0, 12, 12, 0],
      ],
      [
        [30, 30, 20, 4, -Math.PI / 4 + 0.01],
        [30, 30, 20, 4, (3 * Math.PI) / 4 - 0.01],
      ],
      [
        [3, 4, 9, 5, 0.2],
        [6, 2, 7, 6, 1.3],
      ],
    ];
    const values = (await probiouTensor(tf.tensor2d(pairs.map((p) => p[0])), tf.tensor2d(pairs.map((p) => p[1]))).data()) as Float32Array;
    pairs.forEach(([a, b], i) => {
      const box = ([cx, cy, w, h, angle]: number[]) => ({ cx, cy, w, h, angle });
      expect(values[i]).toBeCloseTo(probiou(box(a), box(b)), 3);
    });
    expect(boxCovariance(8, 2, 0)).toEqual([64 / 12, 4 / 12, 0]);
  });
});
