import * as tf from '@tensorflow/tfjs-core';

/**
 * A 2-D convolution (NHWC, 'same' padding, odd kernel, stride 1 or 2 on even sizes) whose gradients are
 * themselves forward convolutions. TF.js 4.22's wasm backend has no `Conv2DBackpropFilter` kernel (and its
 * `Conv2DBackpropInput` is not the fast XNNPACK path); written as forward convolutions, both gradients run
 * on XNNPACK like the forward pass.
 *
 * - Input gradient: the output gradient (for stride 2, with zeros interleaved) correlated with the kernel
 *   flipped in space and with its channel axes swapped.
 * - Filter gradient: batch and channels swap roles: the input, transposed to `[Cin, H, W, B]`, is convolved
 *   with the output gradient as a filter `[h, w, B, Cout]` (dilated by the stride), which yields `[Cin, k, k,
 *   Cout]`.
 */
function makeTrainableConv(stride: 1 | 2): (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D {
  const op = tf.customGrad(((x: tf.Tensor4D, filter: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, filter]);
    return {
      value: tf.conv2d(x, filter, stride, 'same'),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [input, kernel] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [inputGradient(dy, kernel, stride), filterGradient(input, dy, kernel.shape[0], stride)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op as unknown as (x: tf.Tensor4D, filter: tf.Tensor4D) => tf.Tensor4D;
}

const convByStride = { 1: makeTrainableConv(1), 2: makeTrainableConv(2) };

/** See the module comment: `conv2d(x, filter, stride, 'same')` with gradients as forward convolutions. */
export function trainableConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  return convByStride[stride](x, filter);
}

/** TF's 'same' padding before the data along one axis (the rest goes after). */
function padBefore(size: number, kernel: number, stride: number): number {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return Math.floor(total / 2);
}

function inputGradient(dy: tf.Tensor4D, kernel: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  const k = kernel.shape[0];
  // [k, k, Cin, Cout] -> flipped in space, [k, k, Cout, Cin].
  const flipped = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  if (stride === 1) return tf.conv2d(dy, flipped, 1, 'same');
  const [b, h, w, c] = dy.shape;
  // Interleave zeros: dy[i] goes to row 2i.
  const spread = tf.reshape(tf.pad(tf.reshape(dy, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]]), [b, 2 * h, 2 * w, c]);
  const before = padBefore(2 * h, k, 2);
  // dx[i] = sum_t spread[i - before' ...]: pad so that a valid correlation lands on every input row.
  const top = k - 1 - before;
  const bottom = before;
  const padded = tf.pad(spread, [[0, 0], [top, bottom], [top, bottom], [0, 0]]);
  return tf.conv2d(padded as tf.Tensor4D, flipped, 1, 'valid');
}

function filterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: 1 | 2): tf.Tensor4D {
  const [, height, width] = x.shape;
  const top = padBefore(height, k, stride);
  const left = padBefore(width, k, stride);
  const outH = dy.shape[1];
  const outW = dy.shape[2];
  // Rows the forward pass read: (outH - 1) * stride + k, padded before by `top`, the rest after.
  const bottom = (outH - 1) * stride + k - height - top;
  const right = (outW - 1) * stride + k - width - left;
  const xt = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, H, W, B]
  const padded = top || bottom || left || right ? (tf.pad(xt, [[0, 0], [top, bottom], [left, right], [0, 0]]) as tf.Tensor4D) : xt;
  const asFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, B, Cout]
  const grad = tf.conv2d(padded, asFilter, 1, 'valid', 'NHWC', stride); // [Cin, k, k, Cout]
  return tf.transpose(grad, [1, 2, 0, 3]) as tf.Tensor4D;
}
