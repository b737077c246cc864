import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorflow, tf } from './tf-setup.js';
import { trainableConv2d } from './trainable-conv.js';

async function gradients(backend: 'cpu' | 'wasm', stride: 1 | 2, kernel: number, size: number, custom: boolean): Promise<[Float32Array, Float32Array]> {
  await initTensorflow(backend);
  const [dx, dw] = tf.tidy(() => {
    const x = tf.randomNormal([3, size, size, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([kernel, kernel, 5, 7], 0, 1, 'float32', 2) as tf.Tensor4D;
    const out = Math.ceil(size / stride);
    const weight = tf.randomNormal([3, out, out, 7], 0, 1, 'float32', 3);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(custom ? trainableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride) : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'same'), weight));
    return tf.grads(f)([x, filter]);
  });
  const out: [Float32Array, Float32Array] = [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  tf.dispose([dx, dw]);
  return out;
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('trainableConv2d', () => {
  beforeAll(async () => {
    await initTensorflow('wasm');
  });

  for (const [stride, kernel, size] of [
    [1, 3, 8],
    [1, 1, 8],
    [1, 3, 7],
    [2, 3, 8],
    [2, 3, 10],
  ] as const) {
    it(`on wasm gives the cpu backend's own gradients (stride ${stride}, ${kernel}x${kernel} kernel, ${size}x${size} input)`, async () => {
      const [referenceDx, referenceDw] = await gradients('cpu', stride, kernel, size, false);
      const [dx, dw] = await gradients('wasm', stride, kernel, size, true);
      expect(dx.length).toBe(referenceDx.length);
      expect(largestDifference(dx, referenceDx)).toBeLessThan(1e-4);
      expect(largestDifference(dw, referenceDw)).toBeLessThan(1e-4);
    });
  }
});
